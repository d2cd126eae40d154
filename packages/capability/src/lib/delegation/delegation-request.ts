import type { ModuleFacts } from '@tessera/policy';

/**
 * A delegation, as the core hands it over: `from` (the identity its channel
 * proved) hands part of its own live grant on `target` to `subject`. Facts
 * come from the core's registry; only the target's and receiver's names,
 * `methods` and `ttlSeconds` come from the delegator's bytes.
 */
export interface DelegationRequest {
  /** The delegator; it must hold a live grant on `target` covering `methods`. */
  from: string;
  /** The module that receives the grant. */
  subject: ModuleFacts;
  target: ModuleFacts;
  /** What to hand on: a non-empty subset of the delegator's grant, methods only (no `event:` scopes). */
  methods: string[];
  /** At most what is left of the delegator's grant; default: all of it, within the policy's TTL. */
  ttlSeconds?: number;
  /** The target's incarnation the grant is minted for, as for a request. */
  targetIncarnation?: number;
  /** The receiver's carrier key: the grant is bound to it. */
  channel?: { key?: string };
}

/** What the delegator learns: the child grant, never its token. */
export interface Delegation {
  /** The child grant's token id. */
  id: string;
  target: string;
  /** Who received it. */
  to: string;
  methods: string[];
  expiresAt: number;
  /** The token id of the grant it was handed from. */
  parent: string;
  /** Delegators from the original holder to `from`. */
  chain: string[];
}

/**
 * What the receiver's host is handed, over its own control channel: the
 * token (bound to the receiver's key), its scope and expiry, and who
 * handed it on. The core adds where the target listens.
 */
export interface HandedOverGrant {
  target: string;
  token: string;
  /** The token's id, by which the receiver drops it. */
  id: string;
  methods: string[];
  expiresAt: number;
  /** The policy revision it was issued under. */
  generation: number;
  delegatedBy: string;
  /** The target's incarnation the token is good for. */
  incarnation?: number;
}
