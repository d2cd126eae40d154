import { checkConstraints, checkRateLimit } from '../decision/check-terms';
import { MAX_REASON_CHARS, truncateText } from '../limits/truncate';
import type { PolicyDecision } from '../policy-engine';

/** Either a validated decision or why the policy's answer was not one. */
export type DecisionCheck = { ok: true; decision: PolicyDecision } | { ok: false; problem: string };

const fail = (problem: string): DecisionCheck => ({ ok: false, problem });

/**
 * Validate the raw result set of an opa-wasm evaluation
 * (`[{result: decision}]`). Anything but exactly one well-typed decision
 * is a problem; the engine turns problems into a deny.
 */
export function checkResultSet(resultSet: unknown): DecisionCheck {
  if (!Array.isArray(resultSet)) return fail('policy returned no result set');
  if (resultSet.length === 0) return fail('policy decision is undefined for this input');
  if (resultSet.length > 1)
    return fail(`policy returned ${resultSet.length} results, expected one`);
  const first: unknown = resultSet[0];
  if (typeof first !== 'object' || first === null || !('result' in first)) {
    return fail('policy decision is undefined for this input');
  }
  return checkDecision((first as { result: unknown }).result);
}

/**
 * Validate one decision value and copy it into a fresh {@link PolicyDecision}.
 * The one decision validator: the OPA engine and the capability module both
 * use it, so a decision is held to the same rules wherever it comes from.
 *
 * Schema v2: `allow` is `true`, `false` or `"ask"`; `methods`, `ttlSeconds`
 * and `reason` as before; optional `constraints` ({@link checkConstraints})
 * and `rateLimit` ({@link checkRateLimit}), bounded and kept only for
 * granted methods. A v1 decision is a v2 decision without the new fields.
 * A deny keeps its reason only. Unknown fields are ignored. A reason longer
 * than {@link MAX_REASON_CHARS} is cut, saying by how much.
 */
export function checkDecision(value: unknown): DecisionCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(
      `decision must be an object, got ${truncateText(String(JSON.stringify(value)), 200)}`,
    );
  }
  const d = value as Record<string, unknown>;
  const allow = d['allow'];
  if (typeof allow !== 'boolean' && allow !== 'ask')
    return fail('decision.allow must be true, false or "ask"');
  const methods = d['methods'];
  if (!Array.isArray(methods) || !methods.every((m): m is string => typeof m === 'string')) {
    return fail('decision.methods must be an array of strings');
  }
  const ttl = d['ttlSeconds'];
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    return fail('decision.ttlSeconds must be a finite number >= 0');
  }
  if (typeof d['reason'] !== 'string' || d['reason'] === '')
    return fail('decision.reason must be a non-empty string');
  // A reason may quote the request (the shipped policy lists the methods asked for): cap it.
  const reason = truncateText(d['reason'], MAX_REASON_CHARS);
  if (allow === false) return { ok: true, decision: { allow, methods: [], ttlSeconds: 0, reason } };
  if (ttl === 0)
    return fail(`an ${allow === 'ask' ? 'ask' : 'allow'} decision must have ttlSeconds > 0`);
  const granted = [...new Set(methods)];
  const scope = new Set(granted);
  const constraints = checkConstraints(d['constraints'], scope);
  if (!constraints.ok) return fail(constraints.problem);
  const rateLimit = checkRateLimit(d['rateLimit'], scope);
  if (!rateLimit.ok) return fail(rateLimit.problem);
  return {
    ok: true,
    decision: {
      allow,
      methods: granted,
      ttlSeconds: ttl,
      reason,
      ...(constraints.value ? { constraints: constraints.value } : {}),
      ...(rateLimit.value ? { rateLimit: rateLimit.value } : {}),
    },
  };
}
