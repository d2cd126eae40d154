import { checkDecision } from './validate-decision';

/** The one decision validator (the capability module imports it too). */
describe('checkDecision', () => {
  it('accepts a well-formed allow and removes duplicate methods', () => {
    expect(
      checkDecision({ allow: true, methods: ['x', 'y', 'x'], ttlSeconds: 5, reason: 'ok' }),
    ).toEqual({
      ok: true,
      decision: { allow: true, methods: ['x', 'y'], ttlSeconds: 5, reason: 'ok' },
    });
  });

  it('turns a deny into an empty scope, whatever methods it names', () => {
    expect(checkDecision({ allow: false, methods: ['x'], ttlSeconds: 0, reason: 'no' })).toEqual({
      ok: true,
      decision: { allow: false, methods: [], ttlSeconds: 0, reason: 'no' },
    });
  });

  it.each([
    [null, 'decision must be an object, got null'],
    [[1], 'decision must be an object, got [1]'],
    [
      { allow: 'yes', methods: [], ttlSeconds: 1, reason: 'r' },
      'decision.allow must be true, false or "ask"',
    ],
    [
      { allow: true, methods: [1], ttlSeconds: 1, reason: 'r' },
      'decision.methods must be an array of strings',
    ],
    [
      { allow: true, methods: [], ttlSeconds: -1, reason: 'r' },
      'decision.ttlSeconds must be a finite number >= 0',
    ],
    [
      { allow: true, methods: [], ttlSeconds: 1, reason: '' },
      'decision.reason must be a non-empty string',
    ],
    [
      { allow: true, methods: [], ttlSeconds: 0, reason: 'r' },
      'an allow decision must have ttlSeconds > 0',
    ],
  ])('refuses %j: %s', (value, problem) => {
    expect(checkDecision(value)).toEqual({ ok: false, problem });
  });
});
