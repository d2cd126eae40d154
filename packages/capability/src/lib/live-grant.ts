import type { ModuleFacts } from '@tessera/policy';
import type { RateLimit, ResourceConstraints } from '@tessera/protocol';
import type { ApprovalEvent } from './approvals/approval';

/** A grant as the capability module reports it (no secret: only the token id). */
export interface LiveGrant {
  /** Token id (the public half); never the secret. */
  id: string;
  caller: string;
  target: string;
  methods: string[];
  expiresAt: number;
  generation: number;
  /** The target's incarnation the grant was minted for (module targets). */
  incarnation?: number;
  issuedAt: number;
  reason: string;
  /** The caller host's public carrier key the token is bound to (public, not a secret). */
  callerKey?: string;
  /** Issued to the operator identity (its channel said so); re-evaluated the same way. */
  operator?: boolean;
  /** The session it belongs to, when the channel asked for one of its own. */
  session?: string;
  /** The policy's resource constraints for its methods (enforced by the target's door). */
  constraints?: ResourceConstraints;
  /** The policy's rate limit (enforced by the target's door). */
  rateLimit?: RateLimit;
  /**
   * Held by delegation: the token id of the grant it was handed from. It
   * never exceeds that grant and is revoked with it.
   */
  parent?: string;
  /** Held by delegation: the delegators, from the original holder to the one who handed it on. */
  chain?: string[];
}

/**
 * One request, as the core hands it over: both parties' facts (from
 * manifests the core resolved) and what the channel proved. Nothing here
 * comes from the requester's bytes except the target's name and `methods`.
 */
export interface CapabilityRequest {
  /** The caller: the identity its channel proved. */
  subject: ModuleFacts;
  target: ModuleFacts;
  /** Methods asked for; empty means whatever the policy grants. */
  methods?: string[];
  /**
   * The target's incarnation as the core's registry knows it: the grant is
   * minted for it, and the target's host refuses it if it is another.
   */
  targetIncarnation?: number;
  /**
   * Aborted when the caller stops waiting (its call timed out or was
   * cancelled, or its channel closed): a request held for the operator is
   * then dropped.
   */
  signal?: AbortSignal;
  /** What the channel proved beyond the name. */
  channel?: {
    /** The caller's carrier key, which the grant is then bound to. */
    key?: string;
    /** The subject is the operator, not a module. */
    operator?: boolean;
    /**
     * A session of its own (e.g. one operator connection): the grant lives
     * beside the pair's other sessions instead of replacing the pair's
     * grant, and is released by that session alone.
     */
    session?: string;
    /**
     * `'channel'`: the grant lives as long as the proven channel it serves
     * (a host's core channel, an operator connection) and never expires by
     * TTL; reloads still re-evaluate it. Default `'ttl'`: the policy's.
     */
    lifetime?: 'ttl' | 'channel';
  };
}

/** What `requestModule` returns to the caller. */
export interface IssuedToken {
  token: string;
  methods: string[];
  expiresAt: number;
  generation: number;
  /** The target's incarnation the token is good for (module targets). */
  incarnation?: number;
}

/** Audit events the capability module emits. No tokens, only token ids. */
export type CapabilityEvent =
  | { kind: 'granted'; grant: LiveGrant }
  | {
      kind: 'denied';
      caller: string;
      target: string;
      methods: string[];
      reason: string;
      /** A refused delegation: who tried to hand the grant on to `caller`. */
      delegatedBy?: string;
    }
  | { kind: 'revoked'; grant: LiveGrant; reason: string }
  | { kind: 'narrowed'; grant: LiveGrant; from: string[] }
  | ApprovalEvent;
