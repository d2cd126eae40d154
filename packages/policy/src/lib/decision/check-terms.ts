import {
  GRANT_TERM_LIMITS,
  type RateLimit,
  type RateSpec,
  type ResourceConstraints,
  isDispatchableName,
  isParamName,
  patternProblem,
} from '@tessera/protocol';
import { truncateText } from '../limits/truncate';

/** A checked term, or why the decision is malformed. */
export type TermCheck<T> = { ok: true; value: T | undefined } | { ok: false; problem: string };

const fail = <T>(problem: string): TermCheck<T> => ({ ok: false, problem });
const quote = (s: string): string => JSON.stringify(truncateText(s, 64));
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `decision.constraints`: method → parameter → resource patterns, bounded
 * by {@link GRANT_TERM_LIMITS}. Returns a fresh copy keeping only the
 * methods in `granted` (a constraint on a method not granted constrains
 * nothing); `undefined` when none is left.
 */
export function checkConstraints(
  value: unknown,
  granted: ReadonlySet<string>,
): TermCheck<ResourceConstraints> {
  if (value === undefined) return { ok: true, value: undefined };
  const L = GRANT_TERM_LIMITS;
  if (!isObject(value)) return fail('decision.constraints must be an object');
  const methods = Object.entries(value);
  if (methods.length > L.maxConstrainedMethods)
    return fail(
      `decision.constraints names ${methods.length} methods; at most ${L.maxConstrainedMethods}`,
    );
  const out: Record<string, Record<string, string[]>> = {};
  let patterns = 0;
  for (const [method, params] of methods) {
    const at = `decision.constraints.${truncateText(method, 64)}`;
    if (!isDispatchableName(method))
      return fail(`decision.constraints: ${quote(method)} is not a method name`);
    if (!isObject(params)) return fail(`${at} must be an object of parameter → patterns`);
    const entries = Object.entries(params);
    if (entries.length === 0 || entries.length > L.maxParamsPerMethod)
      return fail(`${at} must constrain 1 to ${L.maxParamsPerMethod} parameters`);
    const scoped: Record<string, string[]> = {};
    for (const [param, list] of entries) {
      if (!isParamName(param)) return fail(`${at}: ${quote(param)} is not a parameter name`);
      if (!Array.isArray(list)) return fail(`${at}.${param} must be an array of patterns`);
      if (list.length > L.maxPatternsPerParam)
        return fail(
          `${at}.${param} lists ${list.length} patterns; at most ${L.maxPatternsPerParam}`,
        );
      patterns += list.length;
      if (patterns > L.maxPatterns)
        return fail(`decision.constraints hold more than ${L.maxPatterns} patterns`);
      for (const [i, p] of list.entries()) {
        const problem = patternProblem(p);
        if (problem) return fail(`${at}.${param}[${i}] ${problem}`);
      }
      scoped[param] = [...new Set(list as string[])];
    }
    if (granted.has(method)) out[method] = scoped;
  }
  return { ok: true, value: Object.keys(out).length > 0 ? out : undefined };
}

/**
 * `decision.rateLimit`: `{perSecond, burst?}` overall, `{perMethod: {m:
 * {perSecond, burst?}}}`, or both. Rates are finite, > 0 and bounded;
 * `burst` a whole number >= 1, by default the rate rounded up. Per-method
 * rates of methods not granted are dropped.
 */
export function checkRateLimit(value: unknown, granted: ReadonlySet<string>): TermCheck<RateLimit> {
  if (value === undefined) return { ok: true, value: undefined };
  if (!isObject(value)) return fail('decision.rateLimit must be an object');
  const unknown = Object.keys(value).filter(
    (k) => !['perSecond', 'burst', 'perMethod'].includes(k),
  );
  if (unknown.length > 0)
    return fail(`decision.rateLimit: unknown field ${quote(unknown[0] as string)}`);
  const { perSecond, burst, perMethod } = value;
  if (perSecond === undefined && perMethod === undefined)
    return fail('decision.rateLimit needs perSecond, perMethod or both');
  const out: { perSecond?: number; burst?: number; perMethod?: Record<string, RateSpec> } = {};
  if (perSecond !== undefined || burst !== undefined) {
    const overall = checkRate({ perSecond, burst }, 'decision.rateLimit');
    if (typeof overall === 'string') return fail(overall);
    out.perSecond = overall.perSecond;
    out.burst = overall.burst;
  }
  if (perMethod !== undefined) {
    if (!isObject(perMethod)) return fail('decision.rateLimit.perMethod must be an object');
    const entries = Object.entries(perMethod);
    if (entries.length > GRANT_TERM_LIMITS.maxRateMethods)
      return fail(
        `decision.rateLimit.perMethod names ${entries.length} methods; at most ${GRANT_TERM_LIMITS.maxRateMethods}`,
      );
    const rates: Record<string, RateSpec> = {};
    for (const [method, spec] of entries) {
      if (!isDispatchableName(method))
        return fail(`decision.rateLimit.perMethod: ${quote(method)} is not a method name`);
      const at = `decision.rateLimit.perMethod.${method}`;
      if (!isObject(spec)) return fail(`${at} must be an object {perSecond, burst?}`);
      const extra = Object.keys(spec).find((k) => k !== 'perSecond' && k !== 'burst');
      if (extra !== undefined) return fail(`${at}: unknown field ${quote(extra)}`);
      const rate = checkRate(spec, at);
      if (typeof rate === 'string') return fail(rate);
      if (granted.has(method)) rates[method] = rate;
    }
    if (Object.keys(rates).length > 0) out.perMethod = rates;
  }
  return {
    ok: true,
    value: out.perSecond !== undefined || out.perMethod !== undefined ? out : undefined,
  };
}

/** One token bucket's `{perSecond, burst?}`, or why it is not one. */
function checkRate(spec: Record<string, unknown>, at: string): RateSpec | string {
  const { maxPerSecond, maxBurst } = GRANT_TERM_LIMITS;
  const { perSecond, burst } = spec;
  if (
    typeof perSecond !== 'number' ||
    !Number.isFinite(perSecond) ||
    perSecond <= 0 ||
    perSecond > maxPerSecond
  )
    return `${at}.perSecond must be a number > 0 and <= ${maxPerSecond}`;
  if (burst === undefined) return { perSecond, burst: Math.max(1, Math.ceil(perSecond)) };
  if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1 || burst > maxBurst)
    return `${at}.burst must be a whole number from 1 to ${maxBurst}`;
  return { perSecond, burst };
}
