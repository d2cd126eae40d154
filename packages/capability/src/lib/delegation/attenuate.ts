import { TesseraError } from '@tessera/protocol';
import { DELEGATION_LIMITS, describeList } from '@tessera/policy';
import type { LiveGrant } from '../live-grant';

/** What a delegator asks for, as {@link delegationProblem} checks it against its own grant. */
export interface DelegationAsk {
  from: string;
  to: string;
  methods: readonly string[];
  ttlSeconds?: number;
}

/**
 * Why `ask` cannot be handed on from `parent`, or undefined: a delegation
 * never names a method the parent lacks, an event scope (a subscription
 * outlives renewals, which a delegation does not get), or a lifetime past
 * the parent's; nor may a chain grow past {@link DELEGATION_LIMITS}.maxChain.
 * A malformed `ttlSeconds` is `INVALID_ARGUMENT`.
 */
export function delegationProblem(
  parent: LiveGrant,
  ask: DelegationAsk,
  now: number,
): string | undefined {
  const { from, to, methods, ttlSeconds } = ask;
  if (ttlSeconds !== undefined && !(Number.isFinite(ttlSeconds) && ttlSeconds > 0))
    throw TesseraError.invalidArgument('delegate: ttlSeconds must be a positive number');
  if (to === from) return `${from} cannot delegate to itself`;
  if (to === parent.target) return `${to} cannot be delegated access to itself`;
  if (methods.length === 0) return 'a delegation names the methods it hands on';
  const events = methods.filter((m) => m.startsWith('event:'));
  if (events.length > 0) return `event scopes are not delegable (${describeList(events)})`;
  const held = new Set(parent.methods);
  const wider = methods.filter((m) => !held.has(m));
  if (wider.length > 0)
    return `cannot delegate ${describeList(wider)}: ${from}'s grant on ${parent.target} has only ${describeList(parent.methods)}`;
  if (ttlSeconds !== undefined && now + ttlSeconds * 1000 > parent.expiresAt) {
    const left = Math.max(0, Math.floor((parent.expiresAt - now) / 1000));
    return `a delegation cannot outlive its parent: ${from}'s grant on ${parent.target} ends in ${left} s, ${ttlSeconds} s asked`;
  }
  if ((parent.chain?.length ?? 0) + 1 > DELEGATION_LIMITS.maxChain)
    return `a grant may be handed on at most ${DELEGATION_LIMITS.maxChain} times`;
  return undefined;
}

/**
 * The child's methods: what was asked, the policy allowed and the parent
 * holds, all three (the parent may have narrowed while the policy was asked).
 */
export function childMethods(
  asked: readonly string[],
  allowed: readonly string[],
  parent: LiveGrant,
): string[] {
  const ok = new Set(allowed);
  const held = new Set(parent.methods);
  return [...new Set(asked)].filter((m) => ok.has(m) && held.has(m));
}

/** The child's expiry: the earliest of the parent's, the policy's TTL (capped) and the one asked. */
export function childExpiry(
  parent: LiveGrant,
  policyTtlSeconds: number,
  maxTtlSeconds: number,
  now: number,
  askedTtlSeconds?: number,
): number {
  const ttl = Math.min(policyTtlSeconds, maxTtlSeconds, askedTtlSeconds ?? Infinity);
  return Math.min(parent.expiresAt, now + ttl * 1000);
}
