import { type RateLimit, type ResourceConstraints, typedToken } from '@tessera/protocol';
import type { ReloadGuard } from './reload-guard';

/** What a policy knows about a module: its manifest's security-relevant part. */
export interface ModuleFacts {
  name: string;
  /** Capabilities it provides: capability name -> method names (and `event:<name>` entries). */
  provides: Record<string, string[]>;
  /** Capability names it requires from others. */
  requires: string[];
  /**
   * `true` for a module hosted on another machine (admitted by a join
   * credential, its facts pinned at admission); absent for local modules.
   */
  remote?: boolean;
}

/** Who hands a grant on: see {@link PolicyInput.delegation}. */
export interface PolicyDelegation {
  /** The module delegating part of its own grant. */
  from: string;
  /** Delegators from the original holder to `from`, inclusive: `['notes']`, or `['notes', 'audit']`. */
  chain: string[];
}

/** Input of every decision. Built by the capability module, never by the requester. */
export interface PolicyInput {
  /** The caller, as authenticated by its channel. */
  subject: ModuleFacts;
  /** The module it wants to call. */
  target: ModuleFacts;
  /** Methods asked for; empty means "whatever the policy grants". */
  methods: string[];
  /**
   * Set when the subject would hold the grant by delegation: `from` hands it
   * part of its own grant on the target. `chain` lists the delegators from
   * the original holder to `from` (so `chain` ends with `from`).
   */
  delegation?: PolicyDelegation;
  context: {
    /** ISO-8601 time of the request. */
    time: string;
    /**
     * Why the decision is asked: a new request, a delegation (with
     * {@link PolicyInput.delegation}), or re-evaluation after a reload.
     */
    purpose: 'request' | 'reevaluate' | 'delegate';
    /** Set when the subject is an operator identity (CLI), not a module. */
    operator?: boolean;
  };
}

/**
 * The decision, as the engine validated it (schema v2; see `checkDecision`).
 * `allow: true` grants, `false` denies, `'ask'` leaves it to the operator:
 * the rest of an `ask` decision is what an approval would grant.
 */
export interface PolicyDecision {
  allow: boolean | 'ask';
  /** Granted scope; only meaningful when `allow` is `true` or `'ask'`. */
  methods: string[];
  ttlSeconds: number;
  reason: string;
  /** Per-method resource scopes, only for granted methods; absent: none. */
  constraints?: ResourceConstraints;
  /** How often the holder may call; absent: no limit. */
  rateLimit?: RateLimit;
}

/**
 * The seam the capability module asks before issuing any token. Engines
 * must deny on their own errors: a throw from `decide` is also treated as deny.
 */
export interface PolicyEngine {
  /** Monotonic revision of the policy in force; grants record it as their generation. */
  readonly revision: number;
  decide(input: PolicyInput): Promise<PolicyDecision>;
  /** Called after a new policy is in force (hot reload). Returns an unsubscribe. */
  onChange(listener: (revision: number) => void): () => void;
  /**
   * Called with every rejected load or reload (a broken bundle, a refused
   * reload); the policy in force stays. Returns an unsubscribe. Engines
   * that never reload may omit it.
   */
  onError?(listener: (error: Error) => void): () => void;
  /**
   * Have every new policy vetted before it goes in force (hot reload);
   * returns an unregister. Engines that never reload may omit it.
   */
  guardReload?(guard: ReloadGuard): () => void;
  close(): Promise<void>;
}

/** DI token for the app's policy engine. */
export const POLICY_ENGINE = typedToken<PolicyEngine>('PolicyEngine');

/** A deny decision with a reason. */
export function deny(reason: string): PolicyDecision {
  return { allow: false, methods: [], ttlSeconds: 0, reason };
}
