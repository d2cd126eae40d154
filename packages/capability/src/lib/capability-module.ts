import { type GrantTerms, TesseraError, assertValidName } from '@tessera/protocol';
import {
  type ModuleFacts,
  type PolicyDecision,
  type PolicyDelegation,
  type PolicyEngine,
  type PolicyInput,
  assertRequestedMethods,
  checkDecision,
  deny,
  describeList,
  narrowTerms,
  sameTerms,
} from '@tessera/policy';
import { mintToken, tokenId } from '@tessera/token-manager';
import type {
  ApprovalLimits,
  ApprovalOutcome,
  ApproveOptions,
  PendingApproval,
} from './approvals/approval';
import { OperatorApprovals } from './approvals/operator-approvals';
import { objectionToCoreCutOff } from './core-cut-off-guard';
import {
  type Delegation,
  type DelegationRequest,
  DelegationTree,
  childExpiry,
  childMethods,
  childTerms,
  delegationProblem,
} from './delegation';
import type { GrantDelivery } from './grant-delivery';
import type { CapabilityEvent, CapabilityRequest, IssuedToken, LiveGrant } from './live-grant';
import { policyInput, verdictOf } from './reevaluation';

export interface CapabilityOptions {
  now?: () => number;
  /** Upper bound on any TTL, whatever the policy says; default 24 h. */
  maxTtlSeconds?: number;
  /** How often expired grants are revoked on both sides; default 1000 ms. 0 disables. */
  sweepIntervalMs?: number;
  /** Bounds on requests waiting for the operator (`allow: "ask"`); see {@link ApprovalLimits}. */
  approvals?: Partial<ApprovalLimits>;
}

/** A live grant with the facts it was decided on, so re-evaluation needs no upcall. */
interface Held {
  grant: LiveGrant;
  subject: ModuleFacts;
  target: ModuleFacts;
  /** Held by delegation: who handed it on (re-evaluated with it). */
  delegation?: PolicyDelegation;
}

const pairKey = (caller: string, target: string, session?: string): string =>
  session === undefined ? `${caller}\u0000${target}` : `${caller}\u0000${target}\u0000${session}`;
/** A delegated grant lives beside its holder's own grant on the target, keyed by its id. */
const keyOfGrant = (g: LiveGrant): string =>
  g.parent !== undefined ? `\u0001${g.id}` : pairKey(g.caller, g.target, g.session);
/** Replace a live grant's constraints and rate limit (absent: none). */
function setTerms(grant: LiveGrant, terms: GrantTerms): void {
  delete grant.constraints;
  delete grant.rateLimit;
  Object.assign(grant, terms);
}
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
  private readonly asks: OperatorApprovals;
  /** Which live grants were handed on from which (delegation). */
  private readonly tree = new DelegationTree();

  constructor(
    private readonly engine: PolicyEngine,
    private readonly delivery: GrantDelivery,
    options: CapabilityOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxTtl = options.maxTtlSeconds ?? 86_400;
    this.asks = new OperatorApprovals({
      now: this.now,
      emit: (e) => this.emit(e),
      notify: (caller, notice) =>
        this.delivery.awaitingApproval?.(caller, notice) ?? Promise.resolve(),
      limits: options.approvals,
    });
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
    let decision = await this.decide(subject, target, methods, 'request', channel.operator);
    const caller = subject.name;
    if (!decision.allow) return this.refuse(caller, target.name, methods, decision.reason);
    if (decision.allow === 'ask') {
      // Held for the operator (approvals/): comes back an allow no wider than the offer, or throws.
      decision = await this.asks.settle(
        {
          caller,
          target: target.name,
          requested: methods,
          mayWait: channel.lifetime !== 'channel',
          ...(subject.remote === true ? { remote: true } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        },
        decision,
      );
    }

    // Never more than was asked for, whatever the policy offers (defence in depth).
    if (methods.length > 0) {
      const asked = new Set(methods);
      decision.methods = decision.methods.filter((m) => asked.has(m));
      if (decision.methods.length === 0) {
        const why = `none of the requested methods (${describeList(methods)}) is granted`;
        return this.refuse(caller, target.name, methods, why);
      }
    }
    // The decision's constraints and rate limit, for the methods granted: the target's door enforces them.
    const terms = narrowTerms(decision, decision.methods);
    const token = mintToken();
    const issuedAt = this.now();
    const grant: LiveGrant = {
      id: tokenId(token) as string,
      caller,
      target: target.name,
      methods: decision.methods,
      ...terms,
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
        ...terms,
      });
    } catch (err) {
      // The target's own refusal (another incarnation took its place) is worth passing on.
      const why = err instanceof TesseraError ? `: ${err.message}` : '';
      throw TesseraError.unavailable(`module '${target.name}' did not acknowledge the grant${why}`);
    }
    const held: Held = { grant, subject: copyFacts(subject), target: copyFacts(target) };
    const previous = this.live.get(keyOfGrant(grant));
    this.live.set(keyOfGrant(grant), held);
    if (previous) {
      await this.delivery.revokeAtTarget(target.name, [previous.grant.id]).catch(() => undefined);
      await this.reparent(previous.grant, grant); // a renewal keeps what was handed on
    }
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

  /**
   * Hand part of `from`'s live grant on the target to `subject`, with the
   * policy's consent (`purpose: 'delegate'`, `input.delegation`). The child
   * never exceeds its parent: methods a subset of the parent's (a request
   * for more is refused, not cut down), expiry no later; it lives beside
   * the receiver's own grant on the target and dies with its parent. The
   * target is informed (acked), then the receiver's host is handed the
   * token; the delegator learns the grant, never the token.
   */
  async delegate(request: DelegationRequest): Promise<Delegation> {
    const { from, subject, target, channel = {}, targetIncarnation: incarnation } = request;
    const methods = request.methods;
    assertValidName(target.name, 'target module');
    assertRequestedMethods(methods);
    const to = subject.name;
    const parentHeld = this.heldBy(from, target.name, methods);
    if (!parentHeld)
      return this.refuse(
        to,
        target.name,
        methods,
        `${from} holds no live grant on ${target.name} to delegate`,
        from,
      );
    const parent = parentHeld.grant;
    const ask = { from, to, methods, ttlSeconds: request.ttlSeconds };
    const problem = delegationProblem(parent, ask, this.now());
    if (problem) return this.refuse(to, target.name, methods, problem, from);
    const generation = this.engine.revision;
    const delegation = { from, chain: [...(parent.chain ?? []), from] };
    const decision = await this.decide(subject, target, methods, 'delegate', false, delegation);
    if (decision.allow !== true) {
      const why =
        decision.allow === 'ask'
          ? `a delegation is not put to the operator: ${decision.reason}`
          : decision.reason;
      return this.refuse(to, target.name, methods, why, from);
    }
    // The parent may have been revoked or narrowed while the policy was asked.
    if (this.live.get(keyOfGrant(parent)) !== parentHeld)
      return this.refuse(
        to,
        target.name,
        methods,
        `${from}'s grant on ${target.name} was revoked meanwhile`,
        from,
      );
    const scope = childMethods(methods, decision.methods, parent);
    if (scope.length === 0)
      return this.refuse(
        to,
        target.name,
        methods,
        `none of the methods to delegate (${describeList(methods)}) is granted`,
        from,
      );
    // Constraints and rates: the parent's, tightened by what the policy says for the delegation.
    const terms = childTerms(parent, narrowTerms(decision, scope), scope);
    const token = mintToken();
    const issuedAt = this.now();
    const atIncarnation = incarnation !== undefined ? { incarnation } : {};
    const grant: LiveGrant = {
      id: tokenId(token) as string,
      caller: to,
      target: target.name,
      methods: scope,
      expiresAt: childExpiry(
        parent,
        decision.ttlSeconds,
        this.maxTtl,
        issuedAt,
        request.ttlSeconds,
      ),
      generation,
      ...atIncarnation,
      issuedAt,
      reason: decision.reason,
      ...(channel.key !== undefined ? { callerKey: channel.key } : {}),
      parent: parent.id,
      chain: delegation.chain,
      ...terms,
    };
    const info = {
      caller: to,
      methods: scope,
      expiresAt: grant.expiresAt,
      generation,
      ...atIncarnation,
      ...terms,
    };
    try {
      await this.delivery.informTarget(target.name, token, {
        ...info,
        ...(channel.key !== undefined ? { callerKey: channel.key } : {}),
      });
    } catch (err) {
      const why = err instanceof TesseraError ? `: ${err.message}` : '';
      throw TesseraError.unavailable(`module '${target.name}' did not acknowledge the grant${why}`);
    }
    try {
      if (!this.delivery.handOver)
        throw TesseraError.failedPrecondition('no way to hand a grant over');
      await this.delivery.handOver(to, {
        ...info,
        target: target.name,
        token,
        id: grant.id,
        delegatedBy: from,
      });
    } catch (err) {
      await this.delivery.revokeAtTarget(target.name, [grant.id]).catch(() => undefined);
      const why = err instanceof TesseraError ? `: ${err.message}` : '';
      throw TesseraError.unavailable(`module '${to}' did not take the delegated grant${why}`);
    }
    const held: Held = {
      grant,
      subject: copyFacts(subject),
      target: copyFacts(target),
      delegation,
    };
    this.live.set(keyOfGrant(grant), held);
    this.tree.add(parent.id, keyOfGrant(grant));
    this.emit({ kind: 'granted', grant: { ...grant, chain: [...delegation.chain] } });
    // The parent went while the receiver was handed the token: so does the child.
    if (this.live.get(keyOfGrant(parent)) !== parentHeld || this.engine.revision !== generation) {
      await this.revoke(held, 'the parent grant or the policy changed while delegating');
      throw TesseraError.permissionDenied(
        'the parent grant or the policy changed while delegating',
      );
    }
    return {
      id: grant.id,
      target: target.name,
      to,
      methods: [...scope],
      expiresAt: grant.expiresAt,
      parent: parent.id,
      chain: [...delegation.chain],
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

  /**
   * The operator revokes a pair's grants now (every session of it) and
   * forgets an approval remembered for it: the caller's next request is
   * decided afresh (and asked again where the policy asks).
   */
  async revokePair(caller: string, target: string, reason: string): Promise<number> {
    this.asks.forget(caller, target);
    const doomed = [...this.live.values()].filter(
      (h) => h.grant.caller === caller && h.grant.target === target,
    );
    await Promise.all(doomed.map((h) => this.revoke(h, reason)));
    return doomed.length;
  }

  /** Requests waiting for the operator (`allow: "ask"`), oldest first. */
  approvals(): PendingApproval[] {
    return this.asks.list();
  }

  /** The operator approves a waiting request, optionally narrower; see {@link ApproveOptions}. */
  approve(id: string, options?: ApproveOptions): ApprovalOutcome {
    return this.asks.approve(id, options);
  }

  /** The operator denies a waiting request: its caller gets `PERMISSION_DENIED` with `reason`. */
  denyApproval(id: string, reason?: string): ApprovalOutcome {
    return this.asks.deny(id, reason);
  }

  /** Revoke every grant where `module` is the caller or the target (unload, crash). */
  async revokeModule(module: string, reason: string): Promise<number> {
    this.asks.withdrawModule(module);
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
    this.asks.close();
    await this.reevaluating;
  }

  private refuse(
    caller: string,
    target: string,
    methods: string[],
    reason: string,
    delegatedBy?: string,
  ): never {
    const by = delegatedBy !== undefined ? { delegatedBy } : {};
    this.emit({ kind: 'denied', caller, target, methods, reason, ...by });
    throw TesseraError.permissionDenied(reason, { reason });
  }

  /**
   * The live grant `holder` would delegate from: its own on `target`, or else
   * one handed to it that covers `methods` (a chain).
   */
  private heldBy(holder: string, target: string, methods: string[]): Held | undefined {
    const own = this.live.get(pairKey(holder, target));
    if (own) return own;
    const wanted = new Set(methods);
    for (const held of this.live.values()) {
      const g = held.grant;
      if (g.parent === undefined || g.caller !== holder || g.target !== target) continue;
      if (g.methods.filter((m) => wanted.has(m)).length === wanted.size) return held;
    }
    return undefined;
  }

  /**
   * `from` was replaced by its renewal `to`: its children now hang from `to`,
   * narrowed to it, and revoked if they would outlive it.
   */
  private async reparent(from: LiveGrant, to: LiveGrant): Promise<void> {
    for (const key of this.tree.reparent(from.id, to.id)) {
      const child = this.live.get(key);
      if (!child) continue;
      child.grant.parent = to.id;
      if (child.grant.expiresAt > to.expiresAt)
        await this.revoke(child, 'parent revoked: renewed for less time than its delegation');
      else await this.narrowChild(child, to);
    }
  }

  /** Keep a child within `methods` (its parent's): narrowed at its target, revoked when nothing is left. */
  private async narrowChild(child: Held, parent: LiveGrant): Promise<void> {
    const { grant } = child;
    const allowed = new Set(parent.methods);
    const kept = grant.methods.filter((m) => allowed.has(m));
    if (kept.length === 0)
      return this.revoke(child, 'parent revoked: narrowed to none of its methods');
    // Never looser than the parent's terms, nor than its own.
    const terms = childTerms(parent, grant, kept);
    const termsChanged = !sameTerms(grant, terms);
    if (kept.length === grant.methods.length && !termsChanged) return;
    const from = grant.methods;
    grant.methods = kept;
    if (termsChanged) setTerms(grant, terms);
    await this.delivery
      .narrowAtTarget(grant.target, grant.id, kept, termsChanged ? terms : undefined)
      .catch(() => undefined);
    this.emit({ kind: 'narrowed', grant: { ...grant }, from });
    await Promise.all(this.childrenOf(grant).map((c) => this.narrowChild(c, grant)));
  }

  /** The live grant with token id `id` (a child's parent). */
  private grantById(id: string): LiveGrant | undefined {
    for (const held of this.live.values()) if (held.grant.id === id) return held.grant;
    return undefined;
  }

  private childrenOf(grant: LiveGrant): Held[] {
    return this.tree
      .children(grant.id)
      .map((key) => this.live.get(key))
      .filter((h): h is Held => h !== undefined);
  }

  private async reevaluateOne(held: Held): Promise<void> {
    const { grant } = held;
    if (this.live.get(keyOfGrant(grant)) !== held) return;
    // A delegation is re-decided for what it holds (its consent may name methods).
    const asked = held.delegation ? [...grant.methods] : [];
    const decision = await this.decide(
      held.subject,
      held.target,
      asked,
      'reevaluate',
      grant.operator,
      held.delegation,
    );
    const verdict = verdictOf(grant, decision);
    if ('revoke' in verdict) return this.revoke(held, verdict.revoke);
    const kept = verdict.keep;
    // Constraints and rate limits follow the policy in force (tighter or looser), for the methods
    // kept; a delegated grant's never looser than its parent's.
    const decided = narrowTerms(decision, kept);
    const parent = grant.parent !== undefined ? this.grantById(grant.parent) : undefined;
    const terms = parent ? childTerms(parent, decided, kept) : decided;
    const termsChanged = !sameTerms(grant, terms);
    if (kept.length < grant.methods.length || termsChanged) {
      const from = grant.methods;
      grant.methods = kept;
      if (termsChanged) setTerms(grant, terms);
      await this.delivery
        .narrowAtTarget(grant.target, grant.id, kept, termsChanged ? terms : undefined)
        .catch(() => undefined);
      // A delegated token is not the holder's own: its host keeps that one as it is.
      if (grant.parent === undefined && kept.length < from.length)
        await this.delivery.narrowAtCaller(grant.caller, grant.target, kept).catch(() => undefined);
      this.emit({ kind: 'narrowed', grant: { ...grant }, from });
      await Promise.all(this.childrenOf(grant).map((c) => this.narrowChild(c, grant)));
    }
  }

  /** Ask the engine; an engine error or a malformed decision is a deny (one validator: the policy's). */
  private async decide(
    subject: ModuleFacts,
    target: ModuleFacts,
    methods: string[],
    purpose: PolicyInput['context']['purpose'],
    operator?: boolean,
    delegation?: PolicyDelegation,
  ): Promise<PolicyDecision> {
    const input = policyInput(subject, target, methods, purpose, this.now(), operator, delegation);
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
    this.tree.remove(key);
    const children = this.childrenOf(grant);
    await Promise.all([
      this.delivery.revokeAtTarget(grant.target, [grant.id]).catch(() => undefined),
      // A delegated token is dropped by its holder once the target refuses it;
      // the holder's own token for the target is not this one.
      grant.parent === undefined
        ? this.delivery.dropAtCaller(grant.caller, grant.target).catch(() => undefined)
        : undefined,
    ]);
    this.emit({ kind: 'revoked', grant: { ...grant }, reason });
    const why = `parent revoked (${grant.caller} → ${grant.target}: ${reason})`;
    await Promise.all(children.map((c) => this.revoke(c, why)));
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
