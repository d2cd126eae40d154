import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import type { StaticRule } from '@tessera/policy/testing';
import type { PolicyInput } from '@tessera/policy';
import { defineModule, type SubscriptionRevoked } from '@tessera/sdk';
import { type Harness, alice, coreRules, other, startApp, vault } from './fixtures';
import type { TesseraOptions } from '../lib/tessera';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (pred: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await tick(10);
  }
};

/** bob, subscribing to vault's `changed` and keeping what the framework tells it. */
const watcher = defineModule({
  name: 'bob',
  create(ctx) {
    const seen: unknown[] = [];
    const revoked: SubscriptionRevoked[] = [];
    const restarted: string[] = [];
    ctx.on('revoked', (info) => revoked.push(info));
    ctx.on('restarted', (target) => restarted.push(target));
    return {
      watch: async () => {
        await ctx.on('vault', 'changed', (p) => seen.push(p));
        return true;
      },
      seen: () => seen,
      revoked: () => revoked,
      restarted: () => restarted,
    };
  },
});

const MODULES: TesseraOptions['modules'] = [
  { manifest: { name: 'vault', events: ['changed'] }, definition: vault },
  { manifest: { name: 'alice', dependencies: ['vault'] }, definition: alice },
  { manifest: { name: 'bob', dependencies: ['vault'] }, definition: watcher },
  { manifest: { name: 'other' }, definition: other },
];
const EVE: StaticRule[] = [
  { caller: 'alice', target: 'vault', methods: ['read', 'write'] },
  { caller: 'eve', target: 'alice', methods: ['readVault', 'writeVault'] },
  { caller: 'eve', target: 'bob', methods: ['watch', 'seen', 'revoked', 'restarted'] },
];
const BOB_WATCHES: StaticRule = {
  caller: 'bob',
  target: 'vault',
  methods: ['read', 'event:changed'],
};

describe('lifetimes, in one process', () => {
  let h: Harness;
  afterEach(() => h.close());

  /** eve's handles on alice (writes to the vault) and bob (watches it). */
  const handles = async () => {
    const aliceTok = (await h.app.core.issueToken('eve', 'alice', [])).token;
    const bobTok = (await h.app.core.issueToken('eve', 'bob', [])).token;
    const a = await h.dial('alice', 'eve');
    const b = await h.dial('bob', 'eve');
    return {
      write: (key: string) => a.call('writeVault', [key, 1], { token: aliceTok }),
      read: () => a.call('readVault', ['greeting'], { token: aliceTok }),
      bob: (method: string) => b.call(method, [], { token: bobTok }),
    };
  };
  const granted = (caller: string, target: string) =>
    h.app.core.capability.grants().filter((g) => g.caller === caller && g.target === target);

  it('renews a token ahead of expiry while calls are in flight: one request per renewal, none failed', async () => {
    h = await startApp(
      [{ caller: 'alice', target: 'vault', methods: ['read', 'write'], ttlSeconds: 10 }, ...EVE],
      { modules: MODULES },
    ); // the first rule for a pair wins
    const issued: { at: number; expiresAt: number }[] = [];
    h.app.core.capability.onEvent((e) => {
      if (e.kind === 'granted' && e.grant.caller === 'alice' && e.grant.target === 'vault')
        issued.push({ at: e.grant.issuedAt - start, expiresAt: e.grant.expiresAt - start });
    });
    const start = h.clock.now;
    const eve = await handles();
    const results: unknown[] = [];
    for (let step = 0; step < 10; step++) {
      h.clock.now = start + step * 3000; // three TTLs, in steps of 3 s
      results.push(...(await Promise.all(Array.from({ length: 20 }, () => eve.read()))));
    }
    expect(results).toEqual(Array.from({ length: 200 }, () => 'hello'));
    await waitFor(() => issued.length === 4); // the last renewal runs in the background
    // The first call, then a renewal once a fifth of the TTL is left (at 8 s, 17 s, 26 s),
    // each while the previous token was still good.
    expect(issued.map((i) => i.at)).toEqual([0, 9000, 18_000, 27_000]);
    for (let i = 1; i < issued.length; i++)
      expect(issued[i]!.at).toBeLessThan(issued[i - 1]!.expiresAt);
  });

  it('keeps a subscription, and calls, going across many short TTLs without a lost event', async () => {
    h = await startApp(
      [
        { ...BOB_WATCHES, ttlSeconds: 2 },
        { caller: 'alice', target: 'vault', methods: ['read', 'write'], ttlSeconds: 2 },
        ...EVE, // the first rule for a pair wins
      ],
      { modules: MODULES, now: Date.now }, // real time: tokens really expire
    );
    const eve = await handles();
    await eve.bob('watch');
    const keys = Array.from({ length: 45 }, (_, i) => `k${i}`);
    for (const key of keys) {
      await eve.write(key);
      await tick(100);
    }
    await waitFor(async () => ((await eve.bob('seen')) as unknown[]).length === keys.length);
    expect(await eve.bob('seen')).toEqual(keys.map((key) => ({ key })));
    // 4.5 s over 2 s TTLs: renewed about every second, however many calls and events.
    const asked = (caller: string) =>
      h.policy.asked.filter((i) => i.subject.name === caller && i.target.name === 'vault').length;
    expect(asked('bob')).toBeGreaterThanOrEqual(4);
    expect(asked('bob')).toBeLessThanOrEqual(7);
    expect(asked('alice')).toBeLessThanOrEqual(7);
    expect(await eve.bob('revoked')).toEqual([]);
  });

  it('gets a subscription back after its grant expired and was swept', async () => {
    h = await startApp([{ ...BOB_WATCHES, ttlSeconds: 60 }, ...EVE], {
      modules: MODULES,
      capability: { sweepIntervalMs: 20 },
    });
    const eve = await handles();
    await eve.bob('watch');
    await eve.write('before');
    const [first] = granted('bob', 'vault');
    h.clock.now += 61_000; // bob's grant expires (eve's hold an hour) and the sweep revokes it
    await waitFor(() => granted('bob', 'vault').some((g) => g.id !== first?.id));
    await waitFor(async () => {
      await eve.write('after');
      return ((await eve.bob('seen')) as unknown[]).length >= 2;
    });
    const seen = (await eve.bob('seen')) as { key: string }[];
    expect(seen[0]).toEqual({ key: 'before' });
    expect(seen.slice(1).every((s) => s.key === 'after')).toBe(true);
    expect(await eve.bob('revoked')).toEqual([]);
  });

  it("tells the subscriber 'revoked' when a reload denies its subscription, never silently", async () => {
    const rules = [BOB_WATCHES, ...EVE];
    h = await startApp(rules, { modules: MODULES });
    const eve = await handles();
    await eve.bob('watch');
    const base = coreRules(['vault', 'alice', 'bob', 'other', 'eve']);
    // A reload that narrows the event out of bob's grant...
    h.policy.setRules([...base, ...EVE, { ...BOB_WATCHES, methods: ['read'] }]);
    await h.app.core.capability.settled();
    await waitFor(async () => ((await eve.bob('revoked')) as unknown[]).length === 1);
    expect(await eve.bob('revoked')).toEqual([
      {
        target: 'vault',
        event: 'changed',
        reason: "policy reload: 'event:changed' is no longer granted",
      },
    ]);
    // ... and one that denies bob the vault altogether, after bob subscribed again.
    h.policy.setRules([...base, ...EVE, BOB_WATCHES]);
    await eve.bob('watch');
    h.policy.setRules([...base, ...EVE]);
    await h.app.core.capability.settled();
    await waitFor(async () => ((await eve.bob('revoked')) as unknown[]).length === 2);
    expect(((await eve.bob('revoked')) as SubscriptionRevoked[])[1]).toEqual({
      target: 'vault',
      event: 'changed',
      reason: 'no rule lets bob call vault',
    });
    await eve.write('unseen');
    await tick(20);
    expect(await eve.bob('seen')).toEqual([]);
  });

  it("carries a subscription over the target's restart and tells the subscriber 'restarted'", async () => {
    h = await startApp([BOB_WATCHES, ...EVE], { modules: MODULES });
    const eve = await handles();
    await eve.bob('watch');
    expect(h.app.core.module('vault')?.incarnation).toBe(1);
    await h.app.core.unload('vault');
    await h.app.core.loadKnown('vault');
    expect(h.app.core.module('vault')?.incarnation).toBe(2);
    await waitFor(async () => ((await eve.bob('restarted')) as unknown[]).length === 1);
    expect(await eve.bob('restarted')).toEqual(['vault']);
    await waitFor(async () => {
      await eve.write('after');
      return ((await eve.bob('seen')) as unknown[]).length > 0;
    });
    expect(await eve.bob('revoked')).toEqual([]);
    expect(h.app.core.stats().find((s) => s.name === 'vault')?.incarnation).toBe(2);
  });

  it('a grant minted for the incarnation that was replaced meanwhile is refused by the new one', async () => {
    h = await startApp([{ caller: 'eve', target: 'vault', methods: ['read'] }, ...EVE], {
      modules: MODULES,
    });
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const decide = h.policy.decide.bind(h.policy);
    h.policy.decide = async (input: PolicyInput) => {
      if (input.subject.name === 'eve' && input.target.name === 'vault') await gate;
      return decide(input);
    };
    const pending = h.app.core.issueToken('eve', 'vault', []); // for incarnation 1...
    await h.app.core.unload('vault');
    await h.app.core.loadKnown('vault'); // ... which incarnation 2 replaces before it is delivered
    release();
    expect(await codeOf(pending)).toBe(ErrorCode.UNAVAILABLE);
    await expect(pending).rejects.toThrow(
      "module 'vault' did not acknowledge the grant: token was minted for another incarnation of vault",
    );
    expect(granted('eve', 'vault')).toEqual([]);
    const fresh = await h.app.core.issueToken('eve', 'vault', []);
    expect(fresh.incarnation).toBe(2);
    const v = await h.dial('vault', 'eve');
    await expect(v.call('read', ['greeting'], { token: fresh.token })).resolves.toBe('hello');
  });
});
