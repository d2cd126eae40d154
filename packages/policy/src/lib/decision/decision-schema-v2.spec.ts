import { GRANT_TERM_LIMITS } from '@tessera/protocol';
import { checkDecision } from '../opa/validate-decision';
import { narrowTerms, sameTerms } from './narrow-terms';

const allow = (extra: Record<string, unknown>, methods = ['get', 'set', 'list']) => ({
  allow: true,
  methods,
  ttlSeconds: 60,
  reason: 'ok',
  ...extra,
});
const problemOf = (value: unknown): string => {
  const r = checkDecision(value);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(value)}`);
  return r.problem;
};
const decisionOf = (value: unknown) => {
  const r = checkDecision(value);
  if (!r.ok) throw new Error(r.problem);
  return r.decision;
};

describe('decision schema v2 (checkDecision)', () => {
  it('keeps a v1 decision exactly as it was', () => {
    expect(decisionOf(allow({}))).toEqual({
      allow: true,
      methods: ['get', 'set', 'list'],
      ttlSeconds: 60,
      reason: 'ok',
    });
  });

  it('passes "ask" through as its own outcome, validated like an allow', () => {
    const d = decisionOf({ ...allow({ constraints: { get: { key: ['a*'] } } }), allow: 'ask' });
    expect(d).toEqual({
      allow: 'ask',
      methods: ['get', 'set', 'list'],
      ttlSeconds: 60,
      reason: 'ok',
      constraints: { get: { key: ['a*'] } },
    });
    expect(problemOf({ ...allow({}), allow: 'ask', ttlSeconds: 0 })).toBe(
      'an ask decision must have ttlSeconds > 0',
    );
    expect(problemOf({ ...allow({}), allow: 'maybe' })).toBe(
      'decision.allow must be true, false or "ask"',
    );
  });

  it('keeps constraints and rate limits of granted methods only, copied', () => {
    const constraints = {
      get: { key: ['note:*', 'note:*'] },
      delete: { key: ['x'] },
    };
    const rateLimit = {
      perSecond: 2.5,
      perMethod: { set: { perSecond: 1, burst: 3 }, delete: { perSecond: 1 } },
    };
    const d = decisionOf(allow({ constraints, rateLimit }));
    expect(d.constraints).toEqual({ get: { key: ['note:*'] } });
    expect(d.rateLimit).toEqual({
      perSecond: 2.5,
      burst: 3,
      perMethod: { set: { perSecond: 1, burst: 3 } },
    });
    expect(d.constraints).not.toBe(constraints);
    // Nothing left for granted methods: the field goes.
    const none = decisionOf(
      allow({
        constraints: { delete: { key: ['x'] } },
        rateLimit: { perMethod: { delete: { perSecond: 1 } } },
      }),
    );
    expect(none).not.toHaveProperty('constraints');
    expect(none).not.toHaveProperty('rateLimit');
  });

  it('ignores the new fields of a deny, malformed or not', () => {
    expect(
      decisionOf({ allow: false, methods: [], ttlSeconds: 0, reason: 'no', rateLimit: 'fast' }),
    ).toEqual({ allow: false, methods: [], ttlSeconds: 0, reason: 'no' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'constraints not an object',
      { constraints: ['get'] },
      'decision.constraints must be an object',
    ],
    [
      'a method that is no method name',
      { constraints: { 'event:changed': { key: ['*'] } } },
      'decision.constraints: "event:changed" is not a method name',
    ],
    [
      'a reserved method name',
      { constraints: { __proto__x: {}, constructor: { key: ['*'] } } },
      'decision.constraints.__proto__x must constrain 1 to 8 parameters',
    ],
    [
      'parameters not an object',
      { constraints: { get: ['key'] } },
      'decision.constraints.get must be an object of parameter → patterns',
    ],
    [
      'a parameter that is no identifier',
      { constraints: { get: { 'the key': ['*'] } } },
      'decision.constraints.get: "the key" is not a parameter name',
    ],
    [
      'patterns not an array',
      { constraints: { get: { key: 'note:*' } } },
      'decision.constraints.get.key must be an array of patterns',
    ],
    [
      'two wildcards',
      { constraints: { get: { key: ['*:*'] } } },
      "decision.constraints.get.key[0] may hold one '*' at most",
    ],
    [
      'an empty pattern',
      { constraints: { get: { key: [''] } } },
      'decision.constraints.get.key[0] must not be empty',
    ],
    [
      'a non-string pattern',
      { constraints: { get: { key: [7] } } },
      'decision.constraints.get.key[0] must be a string',
    ],
    [
      'a long pattern',
      { constraints: { get: { key: ['x'.repeat(257)] } } },
      'decision.constraints.get.key[0] has 257 characters; at most 256',
    ],
    ['rateLimit not an object', { rateLimit: 5 }, 'decision.rateLimit must be an object'],
    [
      'an empty rateLimit',
      { rateLimit: {} },
      'decision.rateLimit needs perSecond, perMethod or both',
    ],
    [
      'an unknown rateLimit field',
      { rateLimit: { perSecond: 1, perMinute: 60 } },
      'decision.rateLimit: unknown field "perMinute"',
    ],
    [
      'a zero rate',
      { rateLimit: { perSecond: 0 } },
      'decision.rateLimit.perSecond must be a number > 0 and <= 1000000',
    ],
    [
      'an infinite rate',
      { rateLimit: { perSecond: Infinity } },
      'decision.rateLimit.perSecond must be a number > 0 and <= 1000000',
    ],
    [
      'a rate over the bound',
      { rateLimit: { perSecond: 1e7 } },
      'decision.rateLimit.perSecond must be a number > 0 and <= 1000000',
    ],
    [
      'a burst without a rate',
      { rateLimit: { burst: 5, perMethod: {} } },
      'decision.rateLimit.perSecond must be a number > 0 and <= 1000000',
    ],
    [
      'a fractional burst',
      { rateLimit: { perSecond: 1, burst: 1.5 } },
      'decision.rateLimit.burst must be a whole number from 1 to 1000000',
    ],
    [
      'a per-method rate not an object',
      { rateLimit: { perMethod: { set: 5 } } },
      'decision.rateLimit.perMethod.set must be an object {perSecond, burst?}',
    ],
    [
      'a per-method rate for no method',
      { rateLimit: { perMethod: { 'a b': { perSecond: 1 } } } },
      'decision.rateLimit.perMethod: "a b" is not a method name',
    ],
    [
      'an unknown per-method field',
      { rateLimit: { perMethod: { set: { perSecond: 1, every: 2 } } } },
      'decision.rateLimit.perMethod.set: unknown field "every"',
    ],
    [
      'a negative per-method rate',
      { rateLimit: { perMethod: { set: { perSecond: -1 } } } },
      'decision.rateLimit.perMethod.set.perSecond must be a number > 0 and <= 1000000',
    ],
  ])('refuses %s', (_what, extra, problem) => {
    expect(problemOf(allow(extra))).toBe(problem);
  });

  it('bounds every count: methods, parameters, patterns per parameter and in all', () => {
    const L = GRANT_TERM_LIMITS;
    const many = (n: number, f: (i: number) => [string, unknown]) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => f(i)));
    expect(
      problemOf(
        allow({ constraints: many(L.maxConstrainedMethods + 1, (i) => [`m${i}`, { k: ['*'] }]) }),
      ),
    ).toBe('decision.constraints names 65 methods; at most 64');
    expect(
      problemOf(
        allow({ constraints: { get: many(L.maxParamsPerMethod + 1, (i) => [`p${i}`, ['*']]) } }),
      ),
    ).toBe('decision.constraints.get must constrain 1 to 8 parameters');
    expect(
      problemOf(
        allow({ constraints: { get: { key: Array.from({ length: 33 }, (_, i) => `k${i}`) } } }),
      ),
    ).toBe('decision.constraints.get.key lists 33 patterns; at most 32');
    const wide = many(9, (i) => [
      `m${i}`,
      many(1, () => ['key', Array.from({ length: 30 }, (_, j) => `k${j}`)]),
    ]);
    expect(problemOf(allow({ constraints: wide }))).toBe(
      'decision.constraints hold more than 256 patterns',
    );
    expect(
      problemOf(
        allow({
          rateLimit: { perMethod: many(L.maxRateMethods + 1, (i) => [`m${i}`, { perSecond: 1 }]) },
        }),
      ),
    ).toBe('decision.rateLimit.perMethod names 65 methods; at most 64');
  });
});

describe('narrowTerms / sameTerms', () => {
  const terms = {
    constraints: { get: { key: ['a*'] }, set: { key: ['b*'] } },
    rateLimit: { perSecond: 5, burst: 5, perMethod: { set: { perSecond: 1, burst: 1 } } },
  };

  it('keeps only what concerns the methods left', () => {
    expect(narrowTerms(terms, ['get'])).toEqual({
      constraints: { get: { key: ['a*'] } },
      rateLimit: { perSecond: 5, burst: 5 },
    });
    expect(
      narrowTerms({ rateLimit: { perMethod: { set: { perSecond: 1, burst: 1 } } } }, ['get']),
    ).toEqual({});
    expect(narrowTerms(terms, ['get', 'set'])).toEqual(terms);
  });

  it('compares by value, whatever the order of keys', () => {
    const reordered = {
      rateLimit: { perMethod: { set: { burst: 1, perSecond: 1 } }, burst: 5, perSecond: 5 },
      constraints: { set: { key: ['b*'] }, get: { key: ['a*'] } },
    };
    expect(sameTerms(terms, reordered)).toBe(true);
    expect(sameTerms(terms, { ...reordered, rateLimit: { perSecond: 6, burst: 5 } })).toBe(false);
    expect(sameTerms({}, {})).toBe(true);
    expect(sameTerms({}, { constraints: { get: { key: [] } } })).toBe(false);
  });
});
