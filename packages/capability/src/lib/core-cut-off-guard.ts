import {
  type CandidatePolicy,
  type ModuleFacts,
  type PolicyDecision,
  type PolicyInput,
  checkDecision,
  deny,
} from '@tessera/policy';
import type { LiveGrant } from './live-grant';
import { policyInput, verdictOf } from './reevaluation';

/** The target of every module's core channel grant and of the operator's. */
export const CORE_TARGET = 'core';

/** A live grant with the facts it was decided on. */
export interface HeldGrant {
  grant: LiveGrant;
  subject: ModuleFacts;
  target: ModuleFacts;
}

/**
 * The capability module's reload guard: objects to a policy that would revoke
 * every live grant to the core while there is at least one. Such a reload
 * cuts every module and the operator off from the core at once, the operator
 * included, so nobody could ask for anything again (a typo in data.json can
 * do it: `deny: [{caller: "*", target: "*"}]`). Dry-runs the re-evaluation
 * with the candidate, the same rule ({@link verdictOf}) and the same input as
 * the real one. Expired grants do not count: they are gone either way.
 */
export function objectionToCoreCutOff(
  held: Iterable<HeldGrant>,
  candidate: CandidatePolicy,
  now: number,
): string | undefined {
  const toCore = [...held].filter((h) => h.grant.target === CORE_TARGET && now < h.grant.expiresAt);
  if (toCore.length === 0) return undefined;
  const survives = (h: HeldGrant): boolean => {
    const input = policyInput(h.subject, h.target, [], 'reevaluate', now, h.grant.operator);
    return 'keep' in verdictOf(h.grant, dryRun(candidate, input));
  };
  if (toCore.some(survives)) return undefined;
  const callers = [...new Set(toCore.map((h) => h.grant.caller))].sort().join(', ');
  const count = toCore.length === 1 ? 'the only live grant' : `all ${toCore.length} live grants`;
  return `it would revoke ${count} to the core (held by ${callers}), leaving no module or operator able to reach it`;
}

/** The candidate's decision, validated as a real one is; a throw or malformed decision is a deny. */
function dryRun(candidate: CandidatePolicy, input: PolicyInput): PolicyDecision {
  let raw: unknown;
  try {
    raw = candidate.decide(input);
  } catch (err) {
    return deny(`policy engine error: ${err instanceof Error ? err.message : String(err)}`);
  }
  const checked = checkDecision(raw);
  return checked.ok ? checked.decision : deny(checked.problem);
}
