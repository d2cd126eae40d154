import type { GrantTerms } from '@tessera/protocol';
import type { ModuleFacts } from '@tessera/policy';
import { StaticPolicyEngine, type StaticRule } from '@tessera/policy/testing';
import type { GrantInfo } from '@tessera/token-manager';
import { CapabilityModule } from './capability-module';
import type { GrantDelivery } from './grant-delivery';

const facts = (name: string): ModuleFacts => ({ name, provides: {}, requires: [] });

/** A delivery that records what reaches the target: grants and narrowings, with their terms. */
function recorder() {
  const informed: GrantInfo[] = [];
  const narrowed: { methods: string[]; terms: GrantTerms | undefined }[] = [];
  const delivery: GrantDelivery = {
    informTarget: async (_t, _token, info) => void informed.push(info),
    revokeAtTarget: async () => undefined,
    narrowAtTarget: async (_t, _id, methods, terms) => void narrowed.push({ methods, terms }),
    narrowAtCaller: async () => undefined,
    dropAtCaller: async () => undefined,
  };
  return { delivery, informed, narrowed };
}

const TERMS = {
  constraints: { get: { key: ['note:*'] }, set: { key: ['note:*'] } },
  rateLimit: { perSecond: 10, perMethod: { set: { perSecond: 1, burst: 2 } } },
};
const rule = (extra: Partial<StaticRule> = {}): StaticRule => ({
  caller: 'a',
  target: 'b',
  methods: ['get', 'set', 'list'],
  ...TERMS,
  ...extra,
});

describe('decision terms flow into the grant', () => {
  const open: CapabilityModule[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  const make = (rules: StaticRule[]) => {
    const engine = new StaticPolicyEngine(rules);
    const fake = recorder();
    const cap = new CapabilityModule(engine, fake.delivery, { sweepIntervalMs: 0 });
    open.push(cap);
    return { engine, cap, ...fake };
  };

  it('delivers the validated constraints and rate limit to the target and lists them', async () => {
    const { cap, informed } = make([rule()]);
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
    expect(informed[0]).toMatchObject({
      constraints: TERMS.constraints,
      rateLimit: { perSecond: 10, burst: 10, perMethod: { set: { perSecond: 1, burst: 2 } } },
    });
    expect(cap.grants()[0]).toMatchObject({ constraints: TERMS.constraints });
  });

  it('keeps the terms of the methods asked for only', async () => {
    const { cap, informed } = make([rule()]);
    await cap.requestModule({ subject: facts('a'), target: facts('b'), methods: ['get'] });
    expect(informed[0]?.constraints).toEqual({ get: { key: ['note:*'] } });
    expect(informed[0]?.rateLimit).toEqual({ perSecond: 10, burst: 10 });
  });

  it('a grant without terms carries none', async () => {
    const { cap, informed } = make([{ caller: 'a', target: 'b', methods: ['get'] }]);
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
    expect(informed[0]).not.toHaveProperty('constraints');
    expect(informed[0]).not.toHaveProperty('rateLimit');
  });

  it('refuses a malformed term like any malformed decision', async () => {
    const { cap, informed } = make([rule({ rateLimit: { perSecond: -1 } })]);
    await expect(cap.requestModule({ subject: facts('a'), target: facts('b') })).rejects.toThrow(
      'decision.rateLimit.perSecond must be a number > 0 and <= 1000000',
    );
    expect(informed).toEqual([]);
  });

  it('a reload that changes only the terms narrows the live grant with them; an unchanged one sends nothing', async () => {
    const { engine, cap, narrowed } = make([rule()]);
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
    engine.setRules([rule()]);
    await cap.settled();
    expect(narrowed).toEqual([]);
    engine.setRules([rule({ constraints: { get: { key: ['other:*'] } }, rateLimit: undefined })]);
    await cap.settled();
    expect(narrowed).toEqual([
      {
        methods: ['get', 'set', 'list'],
        terms: { constraints: { get: { key: ['other:*'] } } },
      },
    ]);
    const live = cap.grants()[0];
    expect(live?.constraints).toEqual({ get: { key: ['other:*'] } });
    expect(live).not.toHaveProperty('rateLimit');
  });

  it('a reload that takes a method takes its terms too', async () => {
    const { engine, cap, narrowed } = make([rule()]);
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
    engine.setRules([rule({ methods: ['get', 'list'] })]);
    await cap.settled();
    expect(narrowed).toEqual([
      {
        methods: ['get', 'list'],
        terms: {
          constraints: { get: { key: ['note:*'] } },
          rateLimit: { perSecond: 10, burst: 10 },
        },
      },
    ]);
  });
});
