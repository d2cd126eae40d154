import { CORE_MODULE_METHODS } from '@tessera/host';
import { type Harness, coreRules, executed, resetExecuted, startApp } from './fixtures';

/** A module's right to talk to the core lasts as long as its host, whatever the TTLs. */
describe('the core channel outlives every TTL', () => {
  let h: Harness;
  const calls = [
    { caller: 'alice', target: 'vault', methods: ['read'], ttlSeconds: 1 },
    { caller: 'eve', target: 'alice', methods: ['readVault'], ttlSeconds: 1 },
  ];
  beforeEach(async () => {
    resetExecuted();
    h = await startApp(calls);
  });
  afterEach(() => h.close());

  const aliceReads = async () => {
    const { token } = await h.app.core.issueToken('eve', 'alice', []);
    const alice = await h.dial('alice', 'eve');
    return alice.call('readVault', ['greeting'], { token });
  };

  it("is not bound to the policy's TTL: a day later a module still gets tokens", async () => {
    const core = h.app.core.capability.grants().filter((g) => g.target === 'core');
    expect(core.map((g) => g.caller).sort()).toEqual(['alice', 'bob', 'other', 'vault']);
    for (const g of core) expect(g.expiresAt).toBe(Number.MAX_SAFE_INTEGER);
    h.clock.now += 24 * 3600_000; // every TTL-bound grant is long gone
    await expect(aliceReads()).resolves.toBe('hello'); // alice -> vault needed a new requestModule
    expect(executed['read']).toBe(1);
  });

  it('a reload that cuts a module off the core, then one that allows it again, leaves it working', async () => {
    await expect(aliceReads()).resolves.toBe('hello');
    // alice loses the core (not everyone does, so the reload is not refused) ...
    h.policy.setRules([
      ...coreRules(['vault', 'bob', 'other', 'eve']),
      ...calls.map((r) => ({ ...r, ttlSeconds: 3600 })),
    ]);
    await h.app.core.capability.settled();
    expect(
      h.app.core.capability.grants().some((g) => g.caller === 'alice' && g.target === 'core'),
    ).toBe(false);
    await h.app.core.capability.release('alice', 'vault'); // so alice must ask the core again
    await expect(aliceReads()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // ... and gets it back with the next reload that allows it, without a restart.
    h.policy.setRules([
      ...coreRules(['vault', 'alice', 'bob', 'other', 'eve']),
      ...calls.map((r) => ({ ...r, ttlSeconds: 3600 })),
    ]);
    await h.app.core.capability.settled();
    expect(
      h.app.core.capability.grants().some((g) => g.caller === 'alice' && g.target === 'core'),
    ).toBe(true);
    await expect(aliceReads()).resolves.toBe('hello');
    expect(CORE_MODULE_METHODS).toContain('requestModule');
  });
});
