import { TesseraError, assertValidName } from '@tessera/protocol';
import type { PolicyDecision, PolicyEngine, PolicyInput } from '@tessera/policy';
import { mintToken, parseToken } from '@tessera/token-manager';
import { validDecision } from './decision';
import type { CapabilityEvent, IssuedToken, LiveGrant } from './live-grant';
import type { ModuleDirectory } from './module-directory';

export interface CapabilityOptions {
  now?: () => number;
  /** Upper bound on any TTL, whatever the policy says; default 24 h. */
  maxTtlSeconds?: number;
  /** How often expired grants are revoked on both sides; default 1000 ms. 0 disables. */
  sweepIntervalMs?: number;
}

/** Extra facts about a request that come from the channel, never from the requester. */
export interface RequestContext {
  operator?: boolean;
}

const pairKey = (caller: string, target: string): string => `${caller}\u0000${target}`;

/**
 * The central capability module: decides with the policy engine, mints a
 * token, informs the target and waits for its acknowledgement, then informs
 * the caller. Tracks live grants (one per caller/target pair) to revoke and
 * re-evaluate them.
 */
export class CapabilityModule {
  private readonly live = new Map<string, LiveGrant>();
  private readonly listeners = new Set<(e: CapabilityEvent) => void>();
  private readonly now: () => number;
  private readonly maxTtl: number;
  private readonly sweeper: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: () => void;
  private reevaluating: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: PolicyEngine,
    private readonly directory: ModuleDirectory,
    options: CapabilityOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxTtl = options.maxTtlSeconds ?? 86_400;
    const every = options.sweepIntervalMs ?? 1000;
    if (every > 0) {
      this.sweeper = setInterval(() => void this.revokeExpired(), every);
      this.sweeper.unref?.();
    }
    this.unsubscribe = engine.onChange(() => {
      this.reevaluating = this.reevaluating.then(() => this.reevaluate());
    });
  }

  /** Subscribe to audit events; returns an unsubscribe. */
  onEvent(listener: (e: CapabilityEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * `subject` is the identity of the channel the request came on, supplied by
   * the core; it is never read from the request.
   */
  async requestModule(
    subject: string,
    target: string,
    methods: string[] = [],
    ctx: RequestContext = {},
  ): Promise<IssuedToken> {
    assertValidName(target, 'target module');
    if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
      throw TesseraError.invalidArgument('methods must be an array of strings');
    }
    const subjectFacts = this.directory.facts(subject);
    if (!subjectFacts) throw TesseraError.unauthenticated(`unknown caller '${subject}'`);
    const targetFacts = this.directory.facts(target);
    if (!targetFacts) throw TesseraError.notFound(`module '${target}' is not loaded`);

    const input: PolicyInput = {
      subject: subjectFacts,
      target: targetFacts,
      methods,
      context: {
        time: new Date(this.now()).toISOString(),
        purpose: 'request',
        ...(ctx.operator ? { operator: true } : {}),
      },
    };
    const generation = this.engine.revision;
    const decision = await this.decide(input);
    if (!decision.allow) {
      this.emit({ kind: 'denied', caller: subject, target, methods, reason: decision.reason });
      throw TesseraError.permissionDenied(decision.reason, { reason: decision.reason });
    }

    // Never more than was asked for, whatever the policy offers (defence in depth).
    if (methods.length > 0) {
      const asked = new Set(methods);
      decision.methods = decision.methods.filter((m) => asked.has(m));
      if (decision.methods.length === 0) {
        const reason = `none of the requested methods (${methods.join(', ')}) is granted`;
        this.emit({ kind: 'denied', caller: subject, target, methods, reason });
        throw TesseraError.permissionDenied(reason, { reason });
      }
    }
    const token = mintToken();
    const id = (parseToken(token) as { id: string }).id;
    const ttl = Math.min(decision.ttlSeconds, this.maxTtl);
    const issuedAt = this.now();
    const grant: LiveGrant = {
      id,
      caller: subject,
      target,
      methods: decision.methods,
      expiresAt: issuedAt + ttl * 1000,
      generation,
      issuedAt,
      reason: decision.reason,
      ...(ctx.operator ? { operator: true } : {}),
    };
    const callerKey = this.directory.keyOf?.(subject, target);
    if (callerKey !== undefined) grant.callerKey = callerKey;
    try {
      await this.directory.informTarget(target, token, {
        caller: subject,
        methods: grant.methods,
        expiresAt: grant.expiresAt,
        generation,
        ...(callerKey !== undefined ? { callerKey } : {}),
      });
    } catch {
      throw TesseraError.unavailable(`module '${target}' did not acknowledge the grant`);
    }
    const previous = this.live.get(pairKey(subject, target));
    this.live.set(pairKey(subject, target), grant);
    if (previous) await this.directory.revokeAtTarget(target, [previous.id]).catch(() => undefined);
    await this.directory
      .informCaller(subject, target, token, grant.methods, grant.expiresAt)
      .catch(() => undefined);
    this.emit({ kind: 'granted', grant: { ...grant } });
    if (this.engine.revision !== generation) await this.reevaluateOne(grant);
    return { token, methods: [...grant.methods], expiresAt: grant.expiresAt, generation };
  }

  /** Revoke one pair's grant (the caller releases it, or an operator revokes it). */
  async release(caller: string, target: string, reason = 'released'): Promise<boolean> {
    const grant = this.live.get(pairKey(caller, target));
    if (!grant) return false;
    await this.revoke(grant, reason);
    return true;
  }

  /** Revoke every grant where `module` is the caller or the target (unload, crash). */
  async revokeModule(module: string, reason: string): Promise<number> {
    const doomed = [...this.live.values()].filter(
      (g) => g.caller === module || g.target === module,
    );
    await Promise.all(doomed.map((g) => this.revoke(g, reason)));
    return doomed.length;
  }

  /** Live grants, newest last. */
  grants(): LiveGrant[] {
    return [...this.live.values()].map((g) => ({ ...g, methods: [...g.methods] }));
  }

  /** Re-decide every live grant under the policy now in force. */
  async reevaluate(): Promise<void> {
    for (const grant of [...this.live.values()]) await this.reevaluateOne(grant);
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

  private async reevaluateOne(grant: LiveGrant): Promise<void> {
    if (this.live.get(pairKey(grant.caller, grant.target)) !== grant) return;
    const subject = this.directory.facts(grant.caller);
    const target = this.directory.facts(grant.target);
    if (!subject || !target) return this.revoke(grant, 'module no longer loaded');
    const decision = await this.decide({
      subject,
      target,
      methods: [],
      context: {
        time: new Date(this.now()).toISOString(),
        purpose: 'reevaluate',
        ...(grant.operator ? { operator: true } : {}),
      },
    });
    if (!decision.allow) return this.revoke(grant, `policy reload: ${decision.reason}`);
    const allowed = new Set(decision.methods);
    const kept = grant.methods.filter((m) => allowed.has(m));
    if (kept.length === 0)
      return this.revoke(grant, 'policy reload: no granted method is still allowed');
    if (kept.length < grant.methods.length) {
      const from = grant.methods;
      grant.methods = kept;
      await this.directory.narrowAtTarget(grant.target, grant.id, kept).catch(() => undefined);
      await this.directory.narrowAtCaller(grant.caller, grant.target, kept).catch(() => undefined);
      this.emit({ kind: 'narrowed', grant: { ...grant }, from });
    }
  }

  private async decide(input: PolicyInput): Promise<PolicyDecision> {
    let raw: unknown;
    try {
      raw = await this.engine.decide(input);
    } catch (err) {
      return {
        allow: false,
        methods: [],
        ttlSeconds: 0,
        reason: `policy engine error: ${(err as Error)?.message ?? 'unknown'}`,
      };
    }
    const checked = validDecision(raw);
    return typeof checked === 'string'
      ? { allow: false, methods: [], ttlSeconds: 0, reason: checked }
      : checked;
  }

  private async revoke(grant: LiveGrant, reason: string): Promise<void> {
    const key = pairKey(grant.caller, grant.target);
    if (this.live.get(key) !== grant) return;
    this.live.delete(key);
    await Promise.all([
      this.directory.revokeAtTarget(grant.target, [grant.id]).catch(() => undefined),
      this.directory.dropAtCaller(grant.caller, grant.target).catch(() => undefined),
    ]);
    this.emit({ kind: 'revoked', grant: { ...grant }, reason });
  }

  private async revokeExpired(): Promise<void> {
    const now = this.now();
    for (const g of [...this.live.values()])
      if (now >= g.expiresAt) await this.revoke(g, 'expired');
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
