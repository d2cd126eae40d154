import { randomBytes, randomInt } from 'node:crypto';
import { ErrorCode, TesseraError } from '@tessera/protocol';
import type { ApprovalLimits, PendingApproval } from './approval';

/** Six digits from the CSPRNG. */
export function verificationCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** How the operator answered a held request. */
export type Answer =
  { approved: true; methods: string[]; ttlSeconds: number } | { approved: false; reason: string };

/** The facts of a request to hold; the registry adds id, code and times. */
export type HeldFacts = Omit<PendingApproval, 'id' | 'code' | 'askedAt' | 'expiresAt'>;

interface Waiting {
  approval: PendingApproval;
  wrongCodes: number;
  answer(a: Answer): void;
  withdraw(error: TesseraError): void;
}

/**
 * Requests on hold for the operator, bounded per caller and overall. Each
 * waits until it is answered ({@link take}), its caller gives up (its
 * `signal`), it waited `maxWaitMs`, or the registry closes; whatever ends
 * it removes it, so nothing lingers.
 */
export class PendingApprovals {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly limits: ApprovalLimits,
    private readonly now: () => number,
    /** Told when a request ends unanswered, with why. */
    private readonly onWithdrawn: (approval: PendingApproval, reason: string) => void,
  ) {}

  /**
   * Hold a request. Throws `RESOURCE_EXHAUSTED` when its caller, or
   * everyone, has too many waiting; the answer rejects with `CANCELLED`
   * (the caller gave up), `TIMEOUT` or `UNAVAILABLE`.
   */
  hold(
    facts: HeldFacts,
    signal?: AbortSignal,
  ): { approval: PendingApproval; answer: Promise<Answer> } {
    if (signal?.aborted) throw new TesseraError(ErrorCode.CANCELLED, 'the caller stopped waiting');
    const mine = [...this.waiting.values()].filter((w) => w.approval.caller === facts.caller);
    if (mine.length >= this.limits.perCaller)
      throw new TesseraError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `${facts.caller} already has ${mine.length} requests waiting for the operator (at most ${this.limits.perCaller})`,
      );
    if (this.waiting.size >= this.limits.total)
      throw new TesseraError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `${this.waiting.size} requests are already waiting for the operator (at most ${this.limits.total})`,
      );
    const askedAt = this.now();
    const approval: PendingApproval = {
      id: this.freshId(),
      code: verificationCode(),
      ...facts,
      askedAt,
      expiresAt: askedAt + this.limits.maxWaitMs,
    };
    const answer = new Promise<Answer>((resolve, reject) => {
      const end = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(approval.id);
      };
      const waiting: Waiting = {
        approval,
        wrongCodes: 0,
        answer: (a) => {
          end();
          resolve(a);
        },
        withdraw: (error) => {
          end();
          this.onWithdrawn(approval, error.message);
          reject(error);
        },
      };
      const onAbort = (): void =>
        waiting.withdraw(
          new TesseraError(ErrorCode.CANCELLED, 'the caller stopped waiting for the operator'),
        );
      const timer = setTimeout(
        () =>
          waiting.withdraw(
            new TesseraError(
              ErrorCode.TIMEOUT,
              `no operator answered request ${approval.id} within ${Math.round(this.limits.maxWaitMs / 1000)} s`,
            ),
          ),
        this.limits.maxWaitMs,
      );
      timer.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(approval.id, waiting);
    });
    return { approval: { ...approval }, answer };
  }

  /** Waiting requests, oldest first (copies). */
  list(): PendingApproval[] {
    return [...this.waiting.values()].map((w) => copy(w.approval));
  }

  /** The waiting request `id`, or `NOT_FOUND` (answered, withdrawn, or never asked). */
  get(id: unknown): PendingApproval {
    return copy(this.entry(id).approval);
  }

  /**
   * Check `code` against request `id`: a mismatch is `PERMISSION_DENIED`
   * and counts; after `maxWrongCodes` of them the request is denied.
   */
  checkCode(id: string, code: unknown): void {
    const w = this.entry(id);
    if (code === w.approval.code) return;
    w.wrongCodes += 1;
    if (w.wrongCodes >= this.limits.maxWrongCodes) {
      const reason = `${w.wrongCodes} wrong verification codes for request ${id}`;
      w.answer({ approved: false, reason });
      throw TesseraError.permissionDenied(`${reason}: it is denied`);
    }
    throw TesseraError.permissionDenied(
      `the verification code does not match request ${id} (${this.limits.maxWrongCodes - w.wrongCodes} tries left); the requesting module's log shows the right one`,
    );
  }

  /** Answer request `id`: it stops waiting with `answer`. */
  answer(id: string, answer: Answer): PendingApproval {
    const w = this.entry(id);
    w.answer(answer);
    return copy(w.approval);
  }

  /** End every request `module` asked or is asked about (it was unloaded or crashed). */
  withdrawModule(module: string, why: string): void {
    for (const w of [...this.waiting.values()])
      if (w.approval.caller === module || w.approval.target === module)
        w.withdraw(TesseraError.unavailable(why));
  }

  /** End every request: the app is stopping. */
  close(): void {
    for (const w of [...this.waiting.values()])
      w.withdraw(TesseraError.unavailable('the app is stopping'));
  }

  private entry(id: unknown): Waiting {
    const w = typeof id === 'string' ? this.waiting.get(id) : undefined;
    if (!w)
      throw TesseraError.notFound(
        `no request ${JSON.stringify(String(id).slice(0, 32))} is waiting for the operator (answered, withdrawn by its caller, or never asked)`,
      );
    return w;
  }

  private freshId(): string {
    for (;;) {
      const id = randomBytes(4).toString('hex');
      if (!this.waiting.has(id)) return id;
    }
  }
}

const copy = (a: PendingApproval): PendingApproval => ({
  ...a,
  methods: [...a.methods],
  requested: [...a.requested],
});
