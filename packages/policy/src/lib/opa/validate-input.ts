import { requestedMethodsProblem } from '../limits/request-limits';
import type { PolicyInput } from '../policy-engine';

/**
 * Bounds on a module's facts in a policy input. Facts come from manifests
 * the core resolved, not from request bytes; these are a last line against
 * a manifest that would make every evaluation slow (4096 scope entries take
 * the shipped policy about 50 ms), far above any real module.
 */
export const FACTS_LIMITS = {
  /** Characters of any name in the facts (names are at most 64, scopes 70). */
  maxStringLength: 128,
  /** Capabilities a module provides. */
  maxCapabilities: 256,
  /** Scope entries over all provided capabilities. */
  maxScopes: 4096,
  /** Capabilities a module requires. */
  maxRequires: 256,
} as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const tooLong = (xs: string[]): boolean => xs.some((x) => x.length > FACTS_LIMITS.maxStringLength);

function checkProvides(provides: unknown, where: string, problems: string[]): void {
  if (!isObject(provides)) {
    problems.push(`${where}.provides must be an object`);
    return;
  }
  const entries = Object.entries(provides);
  if (entries.length > FACTS_LIMITS.maxCapabilities) {
    problems.push(
      `${where}.provides has ${entries.length} capabilities; at most ${FACTS_LIMITS.maxCapabilities}`,
    );
    return;
  }
  let scopes = 0;
  for (const [cap, methods] of entries) {
    const field = `${where}.provides[${JSON.stringify(cap.slice(0, FACTS_LIMITS.maxStringLength))}]`;
    if (!isStrings(methods)) problems.push(`${field} must be an array of strings`);
    else if (cap.length > FACTS_LIMITS.maxStringLength || tooLong(methods))
      problems.push(`${field}: names are at most ${FACTS_LIMITS.maxStringLength} characters`);
    else scopes += methods.length;
  }
  if (scopes > FACTS_LIMITS.maxScopes)
    problems.push(
      `${where}.provides has ${scopes} scope entries; at most ${FACTS_LIMITS.maxScopes}`,
    );
}

function checkFacts(facts: unknown, where: string, problems: string[]): void {
  if (!isObject(facts)) {
    problems.push(`${where} must be an object`);
    return;
  }
  const name = facts['name'];
  if (typeof name !== 'string' || name === '')
    problems.push(`${where}.name must be a non-empty string`);
  else if (name.length > FACTS_LIMITS.maxStringLength)
    problems.push(
      `${where}.name has ${name.length} characters; at most ${FACTS_LIMITS.maxStringLength}`,
    );
  const requires = facts['requires'];
  if (!isStrings(requires)) problems.push(`${where}.requires must be an array of strings`);
  else if (requires.length > FACTS_LIMITS.maxRequires || tooLong(requires))
    problems.push(
      `${where}.requires: at most ${FACTS_LIMITS.maxRequires} names of at most ${FACTS_LIMITS.maxStringLength} characters`,
    );
  if (facts['remote'] !== undefined && typeof facts['remote'] !== 'boolean')
    problems.push(`${where}.remote must be a boolean when present`);
  checkProvides(facts['provides'], where, problems);
}

/**
 * Problems with a policy input, checked before the policy sees it; empty
 * when the input has the {@link PolicyInput} shape within the bounds of
 * {@link FACTS_LIMITS} and `REQUEST_LIMITS`. Never throws.
 */
export function validatePolicyInput(input: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(input)) return ['input must be an object'];
  checkFacts(input['subject'], 'subject', problems);
  checkFacts(input['target'], 'target', problems);
  const methods = requestedMethodsProblem(input['methods']);
  if (methods !== undefined) problems.push(methods);
  const context = input['context'];
  if (!isObject(context)) {
    problems.push('context must be an object');
  } else {
    if (typeof context['time'] !== 'string' || context['time'].length > 64)
      problems.push('context.time must be an ISO-8601 string');
    if (!PURPOSES.has(context['purpose'] as string)) {
      problems.push('context.purpose must be "request", "delegate" or "reevaluate"');
    }
    if (context['operator'] !== undefined && typeof context['operator'] !== 'boolean') {
      problems.push('context.operator must be a boolean when present');
    }
  }
  checkDelegation(
    input['delegation'],
    isObject(context) ? context['purpose'] : undefined,
    problems,
  );
  return problems;
}

const PURPOSES: ReadonlySet<string> = new Set(['request', 'delegate', 'reevaluate']);

/** Bounds on `input.delegation`. */
export const DELEGATION_LIMITS = {
  /** Delegators in a chain: a grant can be handed on at most this many times. */
  maxChain: 4,
} as const;

/**
 * `delegation` is `{from, chain}` with `chain` ending in `from`, present
 * exactly when the purpose is `delegate` (and optionally on `reevaluate`,
 * for a grant held by delegation).
 */
function checkDelegation(delegation: unknown, purpose: unknown, problems: string[]): void {
  if (delegation === undefined) {
    if (purpose === 'delegate') problems.push('context.purpose "delegate" needs input.delegation');
    return;
  }
  if (purpose === 'request') problems.push('input.delegation is not allowed on a "request"');
  if (!isObject(delegation)) {
    problems.push('delegation must be an object {from, chain}');
    return;
  }
  const { from, chain } = delegation;
  if (typeof from !== 'string' || from === '' || from.length > FACTS_LIMITS.maxStringLength)
    problems.push('delegation.from must be a module name');
  if (
    !isStrings(chain) ||
    chain.length === 0 ||
    chain.length > DELEGATION_LIMITS.maxChain ||
    tooLong(chain)
  )
    problems.push(`delegation.chain must list 1 to ${DELEGATION_LIMITS.maxChain} module names`);
  else if (chain[chain.length - 1] !== from) problems.push('delegation.chain must end with from');
}

/** Type guard form of {@link validatePolicyInput}. */
export function isPolicyInput(input: unknown): input is PolicyInput {
  return validatePolicyInput(input).length === 0;
}
