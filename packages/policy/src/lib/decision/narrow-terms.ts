import type { GrantTerms, RateLimit, ResourceConstraints } from '@tessera/protocol';

/**
 * `terms` kept to `methods`: the constraints and per-method rates of other
 * methods dropped, and a field left out when nothing of it remains. For a
 * grant narrowed after the policy decided (the caller asked for fewer
 * methods, a reload took some).
 */
export function narrowTerms(terms: GrantTerms, methods: readonly string[]): GrantTerms {
  const kept = new Set(methods);
  const constraints = terms.constraints && pick(terms.constraints, kept);
  const rateLimit = terms.rateLimit && narrowRate(terms.rateLimit, kept);
  return {
    ...(constraints ? { constraints } : {}),
    ...(rateLimit ? { rateLimit } : {}),
  };
}

function pick<T>(
  record: Readonly<Record<string, T>>,
  kept: ReadonlySet<string>,
): Record<string, T> | undefined {
  const entries = Object.entries(record).filter(([m]) => kept.has(m));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function narrowRate(limit: RateLimit, kept: ReadonlySet<string>): RateLimit | undefined {
  const perMethod = limit.perMethod && pick(limit.perMethod, kept);
  if (limit.perSecond === undefined && !perMethod) return undefined;
  return {
    ...(limit.perSecond !== undefined ? { perSecond: limit.perSecond, burst: limit.burst } : {}),
    ...(perMethod ? { perMethod } : {}),
  } as RateLimit;
}

/** Whether two grants' terms say the same (order of keys aside). */
export function sameTerms(a: GrantTerms, b: GrantTerms): boolean {
  return (
    canonical(a.constraints) === canonical(b.constraints) &&
    canonical(a.rateLimit) === canonical(b.rateLimit)
  );
}

function canonical(value: ResourceConstraints | RateLimit | undefined): string {
  return JSON.stringify(value ?? null, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
