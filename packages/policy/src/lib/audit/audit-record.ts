import { MAX_REASON_CHARS, summarizeList, truncateText } from '../limits/truncate';
import type { PolicyDecision, PolicyInput } from '../policy-engine';

/**
 * One line of the decision log. Built only from the policy input and the
 * decision, which never carry tokens: a token is minted after the decision.
 * Bounded whatever the input: lists keep {@link AUDIT_LIMITS}.maxMethods
 * entries and a last `... (+K more)`, strings are cut.
 */
export interface AuditRecord {
  /** ISO-8601 time the decision was made. */
  time: string;
  decision: 'allow' | 'deny' | 'ask';
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
  /** The grant's resource constraints, when the decision sets any (bounded by the validator). */
  constraints?: PolicyDecision['constraints'];
  /** The grant's rate limit, when the decision sets one. */
  rateLimit?: PolicyDecision['rateLimit'];
}

/** What one record holds at most. */
export const AUDIT_LIMITS = {
  /** Entries of `requested` and `granted` listed before `... (+K more)`. */
  maxMethods: 32,
  /** Characters of a name (caller, target, a method). */
  maxNameLength: 128,
  maxReasonLength: MAX_REASON_CHARS,
} as const;

const nameOf = (facts: unknown): string =>
  typeof facts === 'object' &&
  facts !== null &&
  typeof (facts as { name?: unknown }).name === 'string'
    ? truncateText((facts as { name: string }).name, AUDIT_LIMITS.maxNameLength)
    : '<invalid>';

const listOf = (v: unknown): string[] =>
  Array.isArray(v) ? summarizeList(v, AUDIT_LIMITS.maxMethods, AUDIT_LIMITS.maxNameLength) : [];

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
    decision: decision.allow === 'ask' ? 'ask' : decision.allow ? 'allow' : 'deny',
    caller: nameOf(raw.subject),
    target: nameOf(raw.target),
    requested: listOf(raw.methods),
    granted: listOf(decision.methods),
    ttlSeconds: decision.ttlSeconds,
    reason: truncateText(String(decision.reason), AUDIT_LIMITS.maxReasonLength),
    revision,
    purpose:
      purpose === 'request' || purpose === 'reevaluate' || purpose === 'delegate'
        ? purpose
        : 'unknown',
    operator: raw.context?.operator === true,
    ...(decision.constraints ? { constraints: decision.constraints } : {}),
    ...(decision.rateLimit ? { rateLimit: decision.rateLimit } : {}),
  };
}
