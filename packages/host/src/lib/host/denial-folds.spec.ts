import type { DeniedCalls } from '../contracts/module-core-api';
import { DenialFolds } from './denial-folds';

const refusal = (caller: string, methods: string[], count = 1) => ({
  caller,
  code: 'PERMISSION_DENIED',
  reason: `${caller} may not`,
  methods,
  count,
});

describe('DenialFolds', () => {
  it('folds by key, counts, and keeps at most 8 distinct methods per entry', () => {
    const folds = new DenialFolds<DeniedCalls>(4, 'too many');
    for (let i = 0; i < 20; i++) folds.add('a', 'over', refusal('a', [`m${i % 10}`], 2), {});
    folds.add('a', 'over', refusal('a', ['m0']), {});
    const [a] = folds.take();
    expect(a).toEqual({
      caller: 'a',
      code: 'PERMISSION_DENIED',
      reason: 'a may not',
      methods: ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'],
      count: 41,
    });
    expect(folds.size).toBe(0);
  });

  it('counts new keys past the bound into one overflow entry per overflow key, with its extra fields', () => {
    const folds = new DenialFolds<DeniedCalls & { target: string }>(
      2,
      'more than one window lists',
    );
    for (const c of ['a', 'b', 'c', 'd'])
      folds.add(`t\u0000${c}`, 't\u0000*', refusal(c, ['get']), { target: 't' });
    folds.add('t\u0000a', 't\u0000*', refusal('a', ['set']), { target: 't' }); // known keys still count as themselves
    const taken = folds.take();
    expect(taken).toHaveLength(3);
    expect(taken[0]).toMatchObject({ target: 't', caller: 'a', count: 2, methods: ['get', 'set'] });
    expect(taken[2]).toEqual({
      target: 't',
      code: 'MANY',
      reason: 'more than one window lists',
      methods: ['get'],
      count: 2,
    });
  });
});
