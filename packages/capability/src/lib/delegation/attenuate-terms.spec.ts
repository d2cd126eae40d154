import { ResourcePattern } from '@tessera/protocol';
import { childTerms, intersectPatterns } from './attenuate-terms';

describe('delegated terms are never looser than the parent', () => {
  it.each([
    ['note:*', 'note:a*', 'note:a*'],
    ['note:*', '*:body', 'note:*:body'],
    ['note:1', 'note:*', 'note:1'],
    ['note:*', 'note:1', 'note:1'],
    ['note:1', 'note:2', undefined],
    ['note:*', 'task:*', undefined],
    ['*', 'x*', 'x*'],
  ])('%s ∩ %s = %s', (a, b, both) => {
    expect(intersectPatterns(a, b)).toBe(both);
    if (both === undefined) return;
    // Whatever the result admits, both admit.
    for (const v of ['note:1', 'note:a1', 'note:x:body', 'x', 'xy', 'task:1', 'note:ab:body'])
      if (new ResourcePattern(both).matches(v)) {
        expect(new ResourcePattern(a).matches(v)).toBe(true);
        expect(new ResourcePattern(b).matches(v)).toBe(true);
      }
  });

  it("keeps the parent's constraints and rates on the child's methods, tightened by the policy's", () => {
    const terms = childTerms(
      {
        constraints: { get: { key: ['note:*'] }, set: { key: ['x'] } },
        rateLimit: { perSecond: 10, burst: 20, perMethod: { get: { perSecond: 5, burst: 5 } } },
      },
      {
        constraints: { get: { key: ['note:a*', 'task:*'] } },
        rateLimit: { perSecond: 50, burst: 2 },
      },
      ['get'],
    );
    expect(terms).toEqual({
      constraints: { get: { key: ['note:a*'] } },
      rateLimit: { perSecond: 10, burst: 2, perMethod: { get: { perSecond: 5, burst: 5 } } },
    });
  });

  it('admits nothing where the two share no value, and nothing is added where neither constrains', () => {
    expect(
      childTerms(
        { constraints: { get: { key: ['a*'] } } },
        { constraints: { get: { key: ['b*'] } } },
        ['get'],
      ),
    ).toEqual({ constraints: { get: { key: [] } } });
    expect(childTerms({}, {}, ['get'])).toEqual({});
  });
});
