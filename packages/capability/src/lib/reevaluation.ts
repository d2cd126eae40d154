import type { ModuleFacts, PolicyDecision, PolicyDelegation, PolicyInput } from '@tessera/policy';
import type { LiveGrant } from './live-grant';

/** What a new decision means for a live grant: the methods it keeps, or why it goes. */
export type Verdict = { keep: string[] } | { revoke: string };

/**
 * A grant survives a reload when the policy still allows the pair and still
 * grants at least one of its methods; it keeps only those (never more than
 * it had). One rule for the re-evaluation itself and for its dry run.
 */
export function verdictOf(grant: LiveGrant, decision: PolicyDecision): Verdict {
  if (!decision.allow) return { revoke: `policy reload: ${decision.reason}` };
  const allowed = new Set(decision.methods);
  const keep = grant.methods.filter((m) => allowed.has(m));
  return keep.length > 0
    ? { keep }
    : { revoke: 'policy reload: no granted method is still allowed' };
}

/** The engine's input for one decision; `now` in ms since the epoch. */
export function policyInput(
  subject: ModuleFacts,
  target: ModuleFacts,
  methods: string[],
  purpose: PolicyInput['context']['purpose'],
  now: number,
  operator?: boolean,
  delegation?: PolicyDelegation,
): PolicyInput {
  return {
    subject,
    target,
    methods,
    ...(delegation ? { delegation: { from: delegation.from, chain: [...delegation.chain] } } : {}),
    context: {
      time: new Date(now).toISOString(),
      purpose,
      ...(operator ? { operator: true } : {}),
    },
  };
}
