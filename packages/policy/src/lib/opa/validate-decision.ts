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
 * A reason longer than {@link MAX_REASON_CHARS} is cut, saying by how much.
 */
export function checkDecision(value: unknown): DecisionCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(
      `decision must be an object, got ${truncateText(String(JSON.stringify(value)), 200)}`,
    );
  }
  const d = value as Record<string, unknown>;
  if (typeof d['allow'] !== 'boolean') return fail('decision.allow must be a boolean');
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
  if (d['allow'] && ttl === 0) return fail('an allow decision must have ttlSeconds > 0');
  // A reason may quote the request (the shipped policy lists the methods asked for): cap it.
  const reason = truncateText(d['reason'], MAX_REASON_CHARS);
  return {
    ok: true,
    decision: d['allow']
      ? { allow: true, methods: [...new Set(methods)], ttlSeconds: ttl, reason }
      : { allow: false, methods: [], ttlSeconds: 0, reason },
  };
}
