import type { PolicyDecision, PolicyInput } from './policy-engine';

/**
 * A policy that is loaded and smoke-tested but not in force yet. Its
 * decisions are a dry run: synchronous, never audited, never acted on.
 */
export interface CandidatePolicy {
  /** Decide as the policy would once in force; any failure is a deny, never a throw. */
  decide(input: PolicyInput): PolicyDecision;
}

/**
 * Vets a new policy before it replaces the one in force. It runs in the same
 * synchronous step as the swap, so nothing it looked at (live grants, say)
 * can change between its verdict and the commit. Returns why the candidate
 * must not go in force, or `undefined` to let it in. A forced reload goes in
 * anyway, the objection logged as a warning.
 */
export type ReloadGuard = (candidate: CandidatePolicy) => string | undefined;

/** Options of one reload. */
export interface ReloadOptions {
  /** Put the new policy in force even if a {@link ReloadGuard} objects. */
  force?: boolean;
}

/**
 * Ask each guard in turn; the first objection wins. A guard that throws
 * objects too: a broken check must not wave a policy through.
 */
export function objectionTo(
  candidate: CandidatePolicy,
  guards: Iterable<ReloadGuard>,
): string | undefined {
  for (const guard of [...guards]) {
    try {
      const objection = guard(candidate);
      if (objection !== undefined) return objection;
    } catch (err) {
      return `a reload guard failed (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return undefined;
}

/** How an operator puts a refused reload in force. */
export const HOW_TO_FORCE =
  'to put it in force anyway, reload with { force: true } or set policy.allowRevokeAll: true in the app config';
