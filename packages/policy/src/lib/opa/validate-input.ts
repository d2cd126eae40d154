import type { PolicyInput } from '../policy-engine';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

function checkFacts(facts: unknown, where: string, problems: string[]): void {
  if (!isObject(facts)) {
    problems.push(`${where} must be an object`);
    return;
  }
  if (typeof facts['name'] !== 'string' || facts['name'] === '')
    problems.push(`${where}.name must be a non-empty string`);
  if (!isStrings(facts['requires'])) problems.push(`${where}.requires must be an array of strings`);
  if (facts['remote'] !== undefined && typeof facts['remote'] !== 'boolean')
    problems.push(`${where}.remote must be a boolean when present`);
  const provides = facts['provides'];
  if (!isObject(provides)) {
    problems.push(`${where}.provides must be an object`);
  } else {
    for (const [cap, methods] of Object.entries(provides)) {
      if (!isStrings(methods))
        problems.push(`${where}.provides[${JSON.stringify(cap)}] must be an array of strings`);
    }
  }
}

/**
 * Problems with a policy input, checked before the policy sees it; empty
 * when the input has the {@link PolicyInput} shape. Never throws.
 */
export function validatePolicyInput(input: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(input)) return ['input must be an object'];
  checkFacts(input['subject'], 'subject', problems);
  checkFacts(input['target'], 'target', problems);
  if (!isStrings(input['methods'])) problems.push('methods must be an array of strings');
  const context = input['context'];
  if (!isObject(context)) {
    problems.push('context must be an object');
  } else {
    if (typeof context['time'] !== 'string')
      problems.push('context.time must be an ISO-8601 string');
    if (context['purpose'] !== 'request' && context['purpose'] !== 'reevaluate') {
      problems.push('context.purpose must be "request" or "reevaluate"');
    }
    if (context['operator'] !== undefined && typeof context['operator'] !== 'boolean') {
      problems.push('context.operator must be a boolean when present');
    }
  }
  return problems;
}

/** Type guard form of {@link validatePolicyInput}. */
export function isPolicyInput(input: unknown): input is PolicyInput {
  return validatePolicyInput(input).length === 0;
}
