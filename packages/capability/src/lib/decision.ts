import type { PolicyDecision } from '@tessera/policy';

/**
 * Re-check what an engine returned. The engine is trusted to decide, not to
 * be well-formed: anything off means deny.
 */
export function validDecision(d: unknown): PolicyDecision | string {
  if (typeof d !== 'object' || d === null) return 'policy returned no decision';
  const { allow, methods, ttlSeconds, reason } = d as Record<string, unknown>;
  if (typeof allow !== 'boolean') return 'policy decision has no boolean allow';
  const why =
    typeof reason === 'string' && reason.length > 0
      ? reason
      : allow
        ? 'allowed'
        : 'denied by policy';
  if (!allow) return { allow: false, methods: [], ttlSeconds: 0, reason: why };
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
    return 'policy decision has malformed methods';
  }
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    return 'policy decision has no positive ttlSeconds';
  }
  return { allow: true, methods: [...new Set(methods as string[])], ttlSeconds, reason: why };
}
