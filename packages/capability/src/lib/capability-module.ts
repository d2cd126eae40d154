import { TesseraError, assertValidName } from '@tessera/protocol';
import {
  type ModuleFacts,
  type PolicyDecision,
  type PolicyEngine,
  type PolicyInput,
  assertRequestedMethods,
  checkDecision,
  deny,
  describeList,
} from '@tessera/policy';
import { mintToken, tokenId } from '@tessera/token-manager';
import { objectionToCoreCutOff } from './core-cut-off-guard';
import type { GrantDelivery } from './grant-delivery';
import type { CapabilityEvent, CapabilityRequest, IssuedToken, LiveGrant } from './live-grant';
import { policyInput, verdictOf } from './reevaluation';

export interface CapabilityOptions {
  now?: () => number;
  /** Upper bound on any TTL, whatever the policy says; default 24 h. */
  maxTtlSeconds?: number;
  /** How often expired grants are revoked on both sides; default 1000 ms. 0 disables. */
  sweepIntervalMs?: number;
}

/** A live grant with the facts it was decided on, so re-evaluation needs no upcall. */
interface Held {
  grant: LiveGrant;
  subject: ModuleFacts;
  target: ModuleFacts;
}

const pairKey = (caller: string, target: string, session?: string): string =>
  session === undefined ? `${caller}\u0000${target}` : `${caller}\u0000${target}\u0000${session}`;
const keyOfGrant = (g: LiveGrant): string => pairKey(g.caller, g.target, g.session);
/** The expiry of a grant that lives as long as its channel: never, by the clock. */
export const CHANNEL_LIFETIME = Number.MAX_SAFE_INTEGER;

/** Facts are kept for re-evaluation: a copy, so later changes by the caller cannot alter them. */
const copyFacts = (f: ModuleFacts): ModuleFacts => ({
  name: f.name,
  provides: Object.fromEntries(Object.entries(f.provides).map(([k, v]) => [k, [...v]])),
  requires: [...f.requires],
  ...(f.remote === true ? { remote: true } : {}),
});

/**
 * The central capability module. Given both parties' facts in one call, it
 * decides with the policy engine, mints a token, informs the target and
 * waits for its acknowledgement, retires the pair's previous grant, and
 * returns the token: the caller learns it from the reply only. Tracks live
 * grants (one per caller/target pair) to revoke and re-evaluate them.
 */
export class CapabilityModule {
  private readonly live = new Map<string, Held>();
  private readonly listeners = new Set<(e: CapabilityEvent) => void>();
  private readonly reevaluatedListeners = new Set<() => void | Promise<void>>();
  private readonly now: () => number;
  private readonly maxTtl: number;
  private readonly sweeper: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: () => void;
  private reevaluating: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: PolicyEngine,
    private readonly delivery: GrantDelivery,
    options: CapabilityOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxTtl = options.maxTtlSeconds ?? 86_400;
    const every = options.sweepIntervalMs ?? 1000;
    if (every > 0) {
      this.sweeper = setInterval(() => void this.revokeExpired(), every);
      this.sweeper.unref?.();
    }
    const offChange = engine.onChange(() => {
      this.reevaluating = this.reevaluating
        .then(() => this.reevaluate())
        .then(() => this.notifyReevaluated());
    });
    // Vetted in the engine's swap step, before anything is revoked: no grant
    // can come or go between this dry run and the commit.
    const unguard = engine.guardReload?.((candidate) =>
      objectionToCoreCutOff(this.live.values(), candidate, this.now()),
    );
    this.unsubscribe = () => {
      offChange();
      unguard?.();
    };
  }

  /**
   * Called after every re-evaluation a policy change caused, once its
   * revocations and narrowings went out (the core re-issues what a reload
   * allows again here). Returns an unsubscribe.
   */
  onReevaluated(listener: () => void | Promise<void>): () => void {
    this.reevaluatedListeners.add(listener);
    return () => this.reevaluatedListeners.delete(listener);
  }

  private async notifyReevaluated(): Promise<void> {
    for (const l of [...this.reevaluatedListeners]) {
      try {
        await l();
      } catch {
        // a listener must not break re-evaluation
      }
    }
  }

  /** Subscribe to audit events; returns an unsubscribe. */
  onEvent(listener: (e: CapabilityEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Decide, mint, inform the target, retire the previous grant of the pair, return the token. */
  async requestModule(request: CapabilityRequest): Promise<IssuedToken> {
    const { subject, target, channel = {}, targetIncarnation: incarnation } = request;
    const atIncarnation = incarnation !== undefined ? { incarnation } : {};
    const methods = request.methods ?? [];
    assertValidName(target.name, 'target module');
    // Bounded before the policy sees it: count, length, and real method names (INVALID_ARGUMENT).
    assertRequestedMethods(methods);
    const generation = this.engine.revision;
    const decision = await this.decide(subject, target, methods, 'request', channel.operator);
    const caller = subject.name;
    if (!decision.allow) return this.refuse(caller, target.name, methods, decision.reason);

    // Never more than was asked for, whatever the policy offers (defence in depth).
    if (methods.length > 0) {
      const asked = new Set(methods);
      decision.methods = decision.methods.filter((m) => asked.has(m));
      if (decision.methods.length === 0) {
        const why = `none of the requested methods (${describeList(methods)}) is granted`;
        return this.refuse(caller, target.name, methods, why);
      }
    }
    const token = mintToken();
    const issuedAt = this.now();
    const grant: LiveGrant = {
      id: tokenId(token) as string,
      caller,
      target: target.name,
      methods: decision.methods,
      expiresAt:
        channel.lifetime === 'channel'
          ? CHANNEL_LIFETIME
          : issuedAt + Math.min(decision.ttlSeconds, this.maxTtl) * 1000,
      generation,
      ...atIncarnation,
      issuedAt,
      reason: decision.reason,
      ...(channel.operator ? { operator: true } : {}),
      ...(channel.key !== undefined ? { callerKey: channel.key } : {}),
      ...(channel.session !== undefined ? { session: channel.session } : {}),
    };
    try {
      await this.delivery.informTarget(target.name, token, {
        caller,
        methods: grant.methods,
        expiresAt: grant.expiresAt,
        generation,
        ...atIncarnation,
        ...(channel.key !== undefined ? { callerKey: channel.key } : {}),
      });
    } catch (err) {
      // The target's own refusal (another incarnation took its place) is worth passing on.
      const why = err instanceof TesseraError ? `: ${err.message}` : '';
      throw TesseraError.unavailable(`module '${target.name}' did not acknowledge the grant${why}`);
    }
    const held: Held = { grant, subject: copyFacts(subject), target: copyFacts(target) };
    const previous = this.live.get(keyOfGrant(grant));
    this.live.set(keyOfGrant(grant), held);
    if (previous)
      await this.delivery.revokeAtTarget(target.name, [previous.grant.id]).catch(() => undefined);
    this.emit({ kind: 'granted', grant: { ...grant } });
    if (this.engine.revision !== generation) {
      // A reload raced the decision: the grant stands only if the new policy keeps it.
      await this.reevaluateOne(held);
      if (this.live.get(keyOfGrant(grant)) !== held)
        throw TesseraError.permissionDenied('the policy changed while the grant was issued');
    }
    return {
      token,
      methods: [...grant.methods],
      expiresAt: grant.expiresAt,
      generation,
      ...atIncarnation,
    };
  }

  /** Revoke one pair's grant (the caller releases it, or an operator revokes it). */
  async release(
    caller: string,
    target: string,
    reason = 'released',
    session?: string,
  ): Promise<boolean> {
    const held = this.live.get(pairKey(caller, target, session));
    if (!held) return false;
    await this.revoke(held, reason);
    return true;
  }

  /** Revoke every grant where `module` is the caller or the target (unload, crash). */
  async revokeModule(module: string, reason: string): Promise<number> {
    const doomed = [...this.live.values()].filter(
      (h) => h.grant.caller === module || h.grant.target === module,
    );
    await Promise.all(doomed.map((h) => this.revoke(h, reason)));
    return doomed.length;
  }

  /** Live grants, newest last. */
  grants(): LiveGrant[] {
    return [...this.live.values()].map(({ grant }) => ({ ...grant, methods: [...grant.methods] }));
  }

  /** Re-decide every live grant under the policy now in force. */
  async reevaluate(): Promise<void> {
    // All at once: a target that is slow to acknowledge (or never does)
    // delays only its own grants' delivery, never another grant's revocation.
    await Promise.all([...this.live.values()].map((held) => this.reevaluateOne(held)));
  }

  /** Wait for re-evaluations triggered by policy changes (tests, shutdown). */
  settled(): Promise<void> {
    return this.reevaluating;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.unsubscribe();
    await this.reevaluating;
  }

  private refuse(caller: string, target: string, methods: string[], reason: string): never {
    this.emit({ kind: 'denied', caller, target, methods, reason });
    throw TesseraError.permissionDenied(reason, { reason });
  }

  private async reevaluateOne(held: Held): Promise<void> {
    const { grant } = held;
    if (this.live.get(keyOfGrant(grant)) !== held) return;
    const decision = await this.decide(held.subject, held.target, [], 'reevaluate', grant.operator);
    const verdict = verdictOf(grant, decision);
    if ('revoke' in verdict) return this.revoke(held, verdict.revoke);
    const kept = verdict.keep;
    if (kept.length < grant.methods.length) {
      const from = grant.methods;
      grant.methods = kept;
      await this.delivery.narrowAtTarget(grant.target, grant.id, kept).catch(() => undefined);
      await this.delivery.narrowAtCaller(grant.caller, grant.target, kept).catch(() => undefined);
      this.emit({ kind: 'narrowed', grant: { ...grant }, from });
    }
  }

  /** Ask the engine; an engine error or a malformed decision is a deny (one validator: the policy's). */
  private async decide(
    subject: ModuleFacts,
    target: ModuleFacts,
    methods: string[],
    purpose: PolicyInput['context']['purpose'],
    operator?: boolean,
  ): Promise<PolicyDecision> {
    const input = policyInput(subject, target, methods, purpose, this.now(), operator);
    let raw: unknown;
    try {
      raw = await this.engine.decide(input);
    } catch (err) {
      return deny(`policy engine error: ${(err as Error)?.message ?? 'unknown'}`);
    }
    const checked = checkDecision(raw);
    return checked.ok ? checked.decision : deny(checked.problem);
  }

  private async revoke(held: Held, reason: string): Promise<void> {
    const { grant } = held;
    const key = keyOfGrant(grant);
    if (this.live.get(key) !== held) return;
    this.live.delete(key);
    await Promise.all([
      this.delivery.revokeAtTarget(grant.target, [grant.id]).catch(() => undefined),
      this.delivery.dropAtCaller(grant.caller, grant.target).catch(() => undefined),
    ]);
    this.emit({ kind: 'revoked', grant: { ...grant }, reason });
  }

  private async revokeExpired(): Promise<void> {
    const now = this.now();
    await Promise.all(
      [...this.live.values()]
        .filter((held) => now >= held.grant.expiresAt)
        .map((held) => this.revoke(held, 'expired')),
    );
  }

  private emit(e: CapabilityEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // an audit listener must not break issuance
      }
    }
  }
}
