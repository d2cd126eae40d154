import type { RateLimit, ResourceConstraints } from '@tessera/protocol';

/** What the capability module tells a target about a caller it may serve. */
export interface GrantInfo {
  /** The module allowed to call. */
  caller: string;
  /** Scope: method names, and `event:<name>` entries for subscriptions. */
  methods: readonly string[];
  /** Epoch milliseconds after which the grant is dead. */
  expiresAt: number;
  /** Policy revision (or core epoch) the grant was issued under. */
  generation: number;
  /**
   * The target's incarnation (how many times the core has started it) the
   * grant was minted for. A target that knows its own incarnation refuses a
   * grant for any other: a restarted module never honours its predecessor's.
   */
  incarnation?: number;
  /**
   * The caller host's carrier key (a CURVE public key), when its carrier
   * authenticates keys: the token is then good only on connections
   * authenticated with that key, so a copied token is useless elsewhere.
   */
  callerKey?: string;
  /** Per-method resource scopes the target's door enforces (validated by the policy package). */
  constraints?: ResourceConstraints;
  /** How often the caller may call; the target's door keeps the token bucket. */
  rateLimit?: RateLimit;
}

/** An inbound grant as the target's TokenManager keeps it. */
export interface Grant {
  /** The token's public half; also the grant's identity in revocation messages. */
  readonly id: string;
  readonly caller: string;
  readonly target: string;
  readonly methods: ReadonlySet<string>;
  readonly expiresAt: number;
  readonly generation: number;
  readonly incarnation?: number;
  readonly callerKey?: string;
  /** Absent: no resource constraint. Replaced, never mutated, when a reload changes it. */
  readonly constraints?: ResourceConstraints;
  /** Absent: no limit. Replaced, never mutated, when a reload changes it. */
  readonly rateLimit?: RateLimit;
}

/** An outbound token as the caller keeps it, per target. */
export interface OutboundToken {
  readonly target: string;
  readonly token: string;
  readonly methods: ReadonlySet<string>;
  readonly expiresAt: number;
}
