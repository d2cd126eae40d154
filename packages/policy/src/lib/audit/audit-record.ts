import type { PolicyDecision, PolicyInput } from '../policy-engine';

/**
 * One line of the decision log. Built only from the policy input and the
 * decision, which never carry tokens: a token is minted after the decision.
 */
export interface AuditRecord {
  /** ISO-8601 time the decision was made. */
  time: string;
  decision: 'allow' | 'deny';
  caller: string;
  target: string;
  /** Methods the caller asked for (empty: whatever the policy grants). */
  requested: string[];
  /** Methods granted (empty on deny). */
  granted: string[];
  ttlSeconds: number;
  reason: string;
  /** Revision of the policy that decided. */
  revision: number;
  purpose: PolicyInput['context']['purpose'] | 'unknown';
  operator: boolean;
}

const nameOf = (facts: unknown): string =>
  typeof facts === 'object' &&
  facts !== null &&
  typeof (facts as { name?: unknown }).name === 'string'
    ? (facts as { name: string }).name
    : '<invalid>';

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Build the record for a decision; tolerant of malformed input (which was denied). */
export function toAuditRecord(
  input: PolicyInput,
  decision: PolicyDecision,
  revision: number,
  now = new Date(),
): AuditRecord {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Partial<PolicyInput>;
  const purpose = raw.context?.purpose;
  return {
    time: now.toISOString(),
    decision: decision.allow ? 'allow' : 'deny',
    caller: nameOf(raw.subject),
    target: nameOf(raw.target),
    requested: strings(raw.methods),
    granted: [...decision.methods],
    ttlSeconds: decision.ttlSeconds,
    reason: decision.reason,
    revision,
    purpose: purpose === 'request' || purpose === 'reevaluate' ? purpose : 'unknown',
    operator: raw.context?.operator === true,
  };
}
