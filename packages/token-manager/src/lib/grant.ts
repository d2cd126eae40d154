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
}

/** An outbound token as the caller keeps it, per target. */
export interface OutboundToken {
  readonly target: string;
  readonly token: string;
  readonly methods: ReadonlySet<string>;
  readonly expiresAt: number;
}
