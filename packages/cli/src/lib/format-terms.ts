import type { RateLimit, ResourceConstraints } from '@tessera/protocol';

/** A grant's part that `inspect` shows in its METHODS column. */
export interface GrantScope {
  methods: string[];
  constraints?: ResourceConstraints;
  rateLimit?: RateLimit;
}

/**
 * Methods, then the grant's terms, one line:
 * `get, list · get.key ∈ note:* · list 1/s (burst 2)`.
 */
export function describeScope(g: GrantScope): string {
  const parts = [g.methods.join(', ')];
  for (const [method, params] of Object.entries(g.constraints ?? {}))
    for (const [param, patterns] of Object.entries(params))
      parts.push(`${method}.${param} ∈ ${patterns.join(' | ')}`);
  const limit = g.rateLimit;
  if (limit?.perSecond !== undefined) parts.push(`${limit.perSecond}/s (burst ${limit.burst})`);
  for (const [method, r] of Object.entries(limit?.perMethod ?? {}))
    parts.push(`${method} ${r.perSecond}/s (burst ${r.burst})`);
  return parts.join(' · ');
}
