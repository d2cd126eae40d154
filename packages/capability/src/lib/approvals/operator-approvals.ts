import { TesseraError } from '@tessera/protocol';
import { MAX_REASON_CHARS, type PolicyDecision, narrowTerms, truncateText } from '@tessera/policy';
import {
  type ApprovalEvent,
  type ApprovalLimits,
  type ApprovalNotice,
  type ApprovalOutcome,
  type ApproveOptions,
  DEFAULT_APPROVAL_LIMITS,
  type PendingApproval,
} from './approval';
import { checkApproveOptions } from './approve-options';
import { type Answer, PendingApprovals } from './pending-approvals';
import { RememberedApprovals } from './remembered-approvals';

/** One request the policy answered with `ask`. */
export interface AskFacts {
  caller: string;
  target: string;
  /** Methods the caller asked for (`[]`: whatever the policy grants). */
  requested: string[];
  remote?: boolean;
  /**
   * Whether a caller waits on this request. A grant that lives with its
   * channel (a module's core token, an operator session) is requested
   * by the core itself, with nobody to wait: an ask is then a denial.
   */
  mayWait: boolean;
  /** Aborted when the caller gives up (its call timed out or was cancelled). */
  signal?: AbortSignal;
}

export interface OperatorApprovalsOptions {
  now: () => number;
  emit: (e: ApprovalEvent) => void;
  /** Tell the waiting caller the request's id and code (its log shows them). */
  notify: (caller: string, notice: ApprovalNotice) => Promise<void>;
  limits?: Partial<ApprovalLimits>;
}

/**
 * The ask-the-operator flow of the capability module. A decision with
 * `allow: "ask"` is held here ({@link PendingApprovals}) until the operator
 * approves it (optionally narrower: fewer methods, a shorter TTL, never
 * wider than the policy's offer), denies it, or the caller gives up; an
 * approval remembered for the pair answers without asking. What comes out
 * is an ordinary allow decision, issued as any other.
 */
export class OperatorApprovals {
  private readonly limits: ApprovalLimits;
  private readonly pending: PendingApprovals;
  private readonly memory = new RememberedApprovals();

  constructor(private readonly o: OperatorApprovalsOptions) {
    this.limits = { ...DEFAULT_APPROVAL_LIMITS, ...o.limits };
    this.pending = new PendingApprovals(this.limits, o.now, (a, reason) =>
      o.emit({ kind: 'ask-withdrawn', ...facts(a), reason }),
    );
  }

  /**
   * Wait for the operator's answer to an `ask` decision. Resolves the
   * decision to issue (allow, never wider than `decision`); throws
   * `PERMISSION_DENIED` with the operator's reason, or `CANCELLED`,
   * `TIMEOUT`, `UNAVAILABLE`, `RESOURCE_EXHAUSTED` when nobody answered.
   */
  async settle(ask: AskFacts, decision: PolicyDecision): Promise<PolicyDecision> {
    const { caller, target } = ask;
    if (!ask.mayWait)
      throw TesseraError.permissionDenied(
        `the policy asks the operator about ${caller} → ${target}, a grant that lives with its channel and cannot wait: denied (${decision.reason})`,
        { reason: decision.reason },
      );
    const remembered = this.memory.recall(caller, target, this.o.now());
    const kept = remembered && decision.methods.filter((m) => remembered.methods.includes(m));
    if (remembered && kept && kept.length > 0) {
      const ttlSeconds = Math.min(remembered.ttlSeconds, decision.ttlSeconds);
      this.o.emit({
        kind: 'approved',
        id: remembered.id,
        caller,
        target,
        methods: kept,
        ttlSeconds,
        by: 'remembered',
      });
      return allowed(
        decision,
        kept,
        ttlSeconds,
        `approved by the operator earlier (request ${remembered.id}, remembered)`,
      );
    }
    const { approval, answer } = this.pending.hold(
      {
        caller,
        target,
        methods: [...decision.methods],
        requested: [...ask.requested],
        ttlSeconds: decision.ttlSeconds,
        reason: decision.reason,
        ...(ask.remote ? { remote: true } : {}),
      },
      ask.signal,
    );
    this.o.emit({
      kind: 'asked',
      ...facts(approval),
      code: approval.code,
      requested: approval.requested,
      reason: approval.reason,
    });
    const { id, code, methods, reason } = approval;
    // The module's log shows the code; a host that cannot be told still waits.
    void this.o.notify(caller, { id, code, target, methods, reason }).catch(() => undefined);
    const a = await answer;
    if (!a.approved)
      throw TesseraError.permissionDenied(
        `the operator denied ${caller} → ${target} (request ${id}): ${a.reason}`,
        { reason: a.reason, approval: id },
      );
    return allowed(decision, a.methods, a.ttlSeconds, `approved by the operator (request ${id})`);
  }

  /** Requests waiting for the operator, oldest first. */
  list(): PendingApproval[] {
    return this.pending.list();
  }

  /**
   * Approve request `id`, optionally narrower. Options that would widen the
   * offer are `INVALID_ARGUMENT`, a code that does not match is
   * `PERMISSION_DENIED`; the request keeps waiting after either.
   */
  approve(id: string, options?: ApproveOptions): ApprovalOutcome {
    const a = this.pending.get(id);
    const ok = checkApproveOptions(a, options, this.limits);
    if (ok.code !== undefined) this.pending.checkCode(id, ok.code);
    const { methods, ttlSeconds, rememberForSeconds: remember } = ok;
    const answer: Answer = { approved: true, methods, ttlSeconds };
    const rememberedUntil = remember !== undefined ? this.o.now() + remember * 1000 : undefined;
    if (rememberedUntil !== undefined)
      this.memory.remember(a.caller, a.target, { id, until: rememberedUntil, methods, ttlSeconds });
    this.pending.answer(id, answer);
    this.o.emit({
      kind: 'approved',
      ...facts(a),
      methods,
      ttlSeconds,
      by: 'operator',
      ...(remember !== undefined ? { rememberForSeconds: remember } : {}),
    });
    return {
      ...facts(a),
      methods,
      outcome: 'approved',
      ttlSeconds,
      ...(rememberedUntil !== undefined ? { rememberedUntil } : {}),
    };
  }

  /** Deny request `id`: its caller gets `PERMISSION_DENIED` with `reason`. */
  deny(id: string, reason?: unknown): ApprovalOutcome {
    if (reason !== undefined && typeof reason !== 'string')
      throw TesseraError.invalidArgument('deny takes (id, reason?) with reason a string');
    const why =
      reason === undefined || reason.trim() === ''
        ? 'no reason given'
        : truncateText(reason, MAX_REASON_CHARS);
    const a = this.pending.answer(id, { approved: false, reason: why });
    this.o.emit({ kind: 'denied-by-operator', ...facts(a), reason: why });
    return { ...facts(a), outcome: 'denied', reason: why };
  }

  /** Forget a remembered approval of the pair (the operator revoked it). */
  forget(caller: string, target: string): boolean {
    return this.memory.forget(caller, target);
  }

  /** End the requests `module` asked or is asked about: it went away. */
  withdrawModule(module: string): void {
    this.pending.withdrawModule(
      module,
      `${module} went away while the request waited for the operator`,
    );
  }

  close(): void {
    this.pending.close();
    this.memory.clear();
  }
}

/** The caller/target/methods/id part every approval event carries. */
function facts(a: PendingApproval): {
  id: string;
  caller: string;
  target: string;
  methods: string[];
} {
  return { id: a.id, caller: a.caller, target: a.target, methods: [...a.methods] };
}

/** The ask decision turned into the allow decision the operator gave. */
function allowed(
  decision: PolicyDecision,
  methods: string[],
  ttlSeconds: number,
  how: string,
): PolicyDecision {
  const { constraints, rateLimit, ...rest } = decision;
  return {
    ...rest,
    // The policy's constraints and rate limits, for the methods that stay.
    ...narrowTerms({ constraints, rateLimit }, methods),
    allow: true,
    methods: [...methods],
    ttlSeconds,
    reason: truncateText(`${decision.reason} · ${how}`, MAX_REASON_CHARS),
  };
}
