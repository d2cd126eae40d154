import {
  GRANT_TERM_LIMITS,
  type GrantTerms,
  PATTERN_WILDCARD,
  type RateLimit,
  type RateSpec,
  type ResourceConstraints,
  ResourcePattern,
} from '@tessera/protocol';

/**
 * A pattern no looser than both `a` and `b` (every value it admits, both
 * admit), or undefined when none is worth having. Exact: kept if the other
 * admits it. Two wildcards: the longer prefix and the longer suffix, when
 * one of each pair extends the other. Conservative: values where prefix
 * and suffix would overlap (`ab*` ∩ `*bc` admits `abc`) are left out.
 */
export function intersectPatterns(a: string, b: string): string | undefined {
  const starA = a.indexOf(PATTERN_WILDCARD);
  const starB = b.indexOf(PATTERN_WILDCARD);
  if (starA < 0) return new ResourcePattern(b).matches(a) ? a : undefined;
  if (starB < 0) return new ResourcePattern(a).matches(b) ? b : undefined;
  const [pa, sa, pb, sb] = [
    a.slice(0, starA),
    a.slice(starA + 1),
    b.slice(0, starB),
    b.slice(starB + 1),
  ];
  const prefix = pa.startsWith(pb) ? pa : pb.startsWith(pa) ? pb : undefined;
  const suffix = sa.endsWith(sb) ? sa : sb.endsWith(sa) ? sb : undefined;
  if (prefix === undefined || suffix === undefined) return undefined;
  const joined = `${prefix}${PATTERN_WILDCARD}${suffix}`;
  return joined.length <= GRANT_TERM_LIMITS.maxPatternLength ? joined : undefined;
}

/** Per parameter, what both admit: one side's patterns where the other sets none. */
function intersectMethod(
  a: Readonly<Record<string, readonly string[]>> | undefined,
  b: Readonly<Record<string, readonly string[]>> | undefined,
): Record<string, string[]> | undefined {
  if (!a && !b) return undefined;
  const out: Record<string, string[]> = {};
  for (const param of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
    const pa = a?.[param];
    const pb = b?.[param];
    if (!pa || !pb) {
      out[param] = [...((pa ?? pb) as readonly string[])];
      continue;
    }
    const both = new Set<string>();
    for (const x of pa)
      for (const y of pb) {
        const p = intersectPatterns(x, y);
        if (p !== undefined) both.add(p);
      }
    out[param] = [...both]; // empty: admits nothing
  }
  return out;
}

const tighter = (a: RateSpec | undefined, b: RateSpec | undefined): RateSpec | undefined =>
  a && b
    ? { perSecond: Math.min(a.perSecond, b.perSecond), burst: Math.min(a.burst, b.burst) }
    : (a ?? b);

const overall = (r: RateLimit | undefined): RateSpec | undefined =>
  r?.perSecond !== undefined && r.burst !== undefined
    ? { perSecond: r.perSecond, burst: r.burst }
    : undefined;

/**
 * A delegated grant's terms: never looser than its parent's, and as tight
 * as the policy's for the delegation, on `methods` (the child's). Each
 * method's constraints admit only what both admit; each rate is the lower
 * of the two (the child keeps a bucket of its own at the target).
 */
export function childTerms(
  parent: GrantTerms,
  decided: GrantTerms,
  methods: readonly string[],
): GrantTerms {
  const constraints: Record<string, Record<string, string[]>> = {};
  for (const m of methods) {
    const both = intersectMethod(parent.constraints?.[m], decided.constraints?.[m]);
    if (both) constraints[m] = both;
  }
  const perMethod: Record<string, RateSpec> = {};
  for (const m of methods) {
    const spec = tighter(parent.rateLimit?.perMethod?.[m], decided.rateLimit?.perMethod?.[m]);
    if (spec) perMethod[m] = spec;
  }
  const all = tighter(overall(parent.rateLimit), overall(decided.rateLimit));
  const rateLimit: RateLimit | undefined =
    all || Object.keys(perMethod).length > 0
      ? { ...(all ?? {}), ...(Object.keys(perMethod).length > 0 ? { perMethod } : {}) }
      : undefined;
  return {
    ...(Object.keys(constraints).length > 0
      ? { constraints: constraints as ResourceConstraints }
      : {}),
    ...(rateLimit ? { rateLimit } : {}),
  };
}
