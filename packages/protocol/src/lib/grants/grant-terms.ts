import { RESERVED_METHOD_NAMES } from '../names/names';

/**
 * What a grant may carry beyond its methods: resource constraints and a rate
 * limit. The policy decides them (`checkDecision` in `@tessera/policy` is the
 * one validator), the capability module delivers them with the grant, and
 * the target's door enforces them before any module code runs.
 */

/**
 * Per-method resource scopes: method → parameter name → the patterns its
 * argument must match (see {@link ResourcePattern}). E.g.
 * `{"get": {"key": ["note:*"]}}`: `get` only for keys starting `note:`.
 * A method absent here is unconstrained; an empty pattern list admits nothing.
 */
export type ResourceConstraints = Readonly<
  Record<string, Readonly<Record<string, readonly string[]>>>
>;

/** A token bucket: `perSecond` refill, at most `burst` calls at once. */
export interface RateSpec {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * How often the grant's holder may call: overall (`perSecond`, `burst`),
 * per method (`perMethod`), or both (a call then needs room in each).
 * Validated, `burst` is always present beside `perSecond`.
 */
export interface RateLimit {
  readonly perSecond?: number;
  readonly burst?: number;
  readonly perMethod?: Readonly<Record<string, RateSpec>>;
}

/** A grant's constraints and rate limit; an absent field means none. */
export interface GrantTerms {
  readonly constraints?: ResourceConstraints;
  readonly rateLimit?: RateLimit;
}

/** Bounds on {@link GrantTerms}, so a decision (and the door's work per call) stays small. */
export const GRANT_TERM_LIMITS = {
  /** Methods a decision may constrain. */
  maxConstrainedMethods: 64,
  /** Constrained parameters per method. */
  maxParamsPerMethod: 8,
  /** Patterns per parameter. */
  maxPatternsPerParam: 32,
  /** Patterns in all of a decision's constraints. */
  maxPatterns: 256,
  /** Characters per pattern. */
  maxPatternLength: 256,
  /** Methods with a rate of their own. */
  maxRateMethods: 64,
  /** Largest `perSecond`. */
  maxPerSecond: 1_000_000,
  /** Largest `burst`. */
  maxBurst: 1_000_000,
} as const;

/** The wildcard of a resource pattern; the only one. */
export const PATTERN_WILDCARD = '*';

/**
 * A compiled resource pattern: exact (`note:1`), or with one `*` standing for
 * any run of characters: prefix (`note:*`), suffix (`*.txt`), both
 * (`note:*:body`), or anything (`*`). Matching is linear in the value.
 */
export class ResourcePattern {
  private readonly prefix: string;
  private readonly suffix: string;
  private readonly wildcard: boolean;

  constructor(readonly source: string) {
    const star = source.indexOf(PATTERN_WILDCARD);
    this.wildcard = star >= 0;
    this.prefix = this.wildcard ? source.slice(0, star) : source;
    this.suffix = this.wildcard ? source.slice(star + 1) : '';
  }

  matches(value: string): boolean {
    if (!this.wildcard) return value === this.prefix;
    return (
      value.length >= this.prefix.length + this.suffix.length &&
      value.startsWith(this.prefix) &&
      value.endsWith(this.suffix)
    );
  }
}

/** Why `pattern` is not a resource pattern, or undefined when it is one. */
export function patternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return 'must be a string';
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > GRANT_TERM_LIMITS.maxPatternLength)
    return `has ${pattern.length} characters; at most ${GRANT_TERM_LIMITS.maxPatternLength}`;
  const star = pattern.indexOf(PATTERN_WILDCARD);
  if (star >= 0 && pattern.indexOf(PATTERN_WILDCARD, star + 1) >= 0)
    return "may hold one '*' at most";
  return undefined;
}

/** A parameter name as JavaScript writes it (`key`, `$id`), at most 64 characters. */
export const PARAM_NAME_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/** True when `name` may name a resource parameter (identifier-shaped, not `__proto__` and the like). */
export function isParamName(name: unknown): name is string {
  return (
    typeof name === 'string' && PARAM_NAME_PATTERN.test(name) && !RESERVED_METHOD_NAMES.has(name)
  );
}
