import { ErrorCode, TesseraError } from '@tessera/protocol';
import { createTessera } from '../lib/tessera';
import { loadLevels, loadOrder } from '../lib/lifecycle/load-order';
import {
  type Harness,
  coreRules,
  executed,
  resetExecuted,
  startApp,
  vault,
  other,
} from './fixtures';
import { codeOf } from '@tessera/protocol/testing';

describe('app lifecycle and behaviour', () => {
  let h: Harness | undefined;
  beforeEach(() => resetExecuted());
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('denies everything when no policy is configured: not even the core token is issued', async () => {
    const err = await createTessera({
      modules: [{ manifest: { name: 'vault' }, definition: vault }],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toMatch(/vault may not reach the core: no policy configured/);
  });

  it('forwards events only to subscribers whose grant covers them, and stops after revocation', async () => {
    h = await startApp([
      { caller: 'bob', target: 'vault', methods: ['read', 'write', 'event:changed'] },
      { caller: 'alice', target: 'vault', methods: ['read', 'write'] },
      { caller: 'eve', target: 'bob', methods: ['watch', 'seen', 'write'] },
      { caller: 'eve', target: 'alice', methods: ['writeVault'] },
    ]);
    const { token } = await h.app.core.issueToken('eve', 'bob', []);
    const bob = await h.dial('bob', 'eve');
    await expect(bob.call('watch', [], { token })).resolves.toBe(true);
    await bob.call('write', ['a', 1], { token });
    await new Promise((r) => setTimeout(r, 10));
    expect(await bob.call('seen', [], { token })).toEqual([{ key: 'a' }]);

    // alice's grant lacks event:changed: subscribing is refused before it is recorded
    const aliceTok = await h.app.core.issueToken('alice', 'vault', []);
    const raw = await h.dial('vault', 'alice');
    expect(await codeOf(raw.call('$subscribe', ['changed'], { token: aliceTok.token }))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );

    // A reload takes the event out of bob's grant (a release alone is not enough: bob's
    // subscription asks for a new grant by itself, see lifetimes.spec.ts).
    h.policy.setRules([
      ...coreRules(['vault', 'alice', 'bob', 'other', 'eve']),
      { caller: 'bob', target: 'vault', methods: ['read', 'write'] },
      { caller: 'alice', target: 'vault', methods: ['read', 'write'] },
      { caller: 'eve', target: 'bob', methods: ['watch', 'seen', 'write'] },
      { caller: 'eve', target: 'alice', methods: ['writeVault'] },
    ]);
    await h.app.core.capability.settled();
    const eveAlice = await h.app.core.issueToken('eve', 'alice', []);
    const alice = await h.dial('alice', 'eve');
    await alice.call('writeVault', ['b', 2], { token: eveAlice.token });
    await new Promise((r) => setTimeout(r, 10));
    expect(await bob.call('seen', [], { token })).toEqual([{ key: 'a' }]);
  });

  it('serves introspection with parameter names to a caller holding a grant', async () => {
    h = await startApp([{ caller: 'alice', target: 'vault', methods: ['read'] }]);
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const raw = await h.dial('vault', 'alice');
    const d = (await raw.call('$describe', [], { token })) as {
      methods: { name: string; params: string[] }[];
      events: { name: string }[];
    };
    expect(d.methods).toEqual(
      expect.arrayContaining([
        { name: 'read', params: ['key'] },
        { name: 'write', params: ['key', 'value'] },
        { name: 'sum', params: ['...numbers'] },
      ]),
    );
    expect(d.events.map((e) => e.name)).toEqual(['changed']);
    expect(await codeOf(raw.call('$describe', [], { token: '' }))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('dispatches any arity, returns undefined, and turns an untyped throw into INTERNAL without internals', async () => {
    h = await startApp([{ caller: 'alice', target: 'vault', methods: ['sum', 'nothing', 'fail'] }]);
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const raw = await h.dial('vault', 'alice');
    await expect(raw.call('sum', [], { token })).resolves.toBe(0);
    await expect(raw.call('sum', [1, 2, 3, 4, 5, 6, 7], { token })).resolves.toBe(28);
    await expect(raw.call('nothing', [], { token })).resolves.toBeUndefined();
    const logged: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((line) => {
      logged.push(String(line));
      return true;
    });
    let err: TesseraError;
    try {
      err = (await raw.call('fail', ['plain'], { token }).catch((e) => e)) as TesseraError;
    } finally {
      stderr.mockRestore();
    }
    expect(err.code).toBe(ErrorCode.INTERNAL);
    expect(err.message).not.toMatch(/secret|exploded/);
    // The caller gets a call id, and the target logged the rest under it.
    const callId = err.data?.['callId'];
    expect(callId).toMatch(/^[0-9a-f]{12}$/);
    expect(err.message).toBe(`Internal error (call id ${String(callId)})`);
    const line = logged.find((l) => l.includes(String(callId)));
    expect(line).toContain('[vault] error unexpected error in vault.fail called by alice');
    const data = JSON.parse(String(line).slice(String(line).indexOf('{'))) as Record<
      string,
      string
    >;
    expect(data).toMatchObject({ callId, caller: 'alice', method: 'fail' });
    expect(data['stack']).toMatch(/^Error: disk at \/var\/secret exploded\n/);
    expect(data['stack']).toMatch(/at Object\.fail \(.*fixtures\.ts:\d+/);
  });

  it('in Logos compatibility mode, a denied call resolves to an empty result and still runs no code', async () => {
    h = await startApp([{ caller: 'alice', target: 'vault', methods: ['read'] }], {
      deniedResult: 'empty',
    });
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const raw = await h.dial('vault', 'alice');
    await expect(raw.call('write', ['k', 1], { token: '' })).resolves.toBeUndefined();
    await expect(raw.call('write', ['k', 1], { token })).resolves.toBeUndefined();
    await expect(raw.call('read', ['greeting'], { token })).resolves.toBe('hello');
    expect(executed['write']).toBeUndefined();
  });

  it('unloading a module revokes its grants on both sides', async () => {
    h = await startApp([
      { caller: 'alice', target: 'vault', methods: ['read'] },
      { caller: 'eve', target: 'alice', methods: ['readVault'] },
    ]);
    const { token } = await h.app.core.issueToken('eve', 'alice', []);
    const alice = await h.dial('alice', 'eve');
    await alice.call('readVault', ['greeting'], { token });
    expect(h.app.core.capability.grants().map((g) => `${g.caller}->${g.target}`)).toContain(
      'alice->vault',
    );
    await h.app.core.unload('vault');
    expect(
      h.app.core.capability.grants().filter((g) => g.target === 'vault' || g.caller === 'vault'),
    ).toEqual([]);
    expect(await codeOf(alice.call('readVault', ['greeting'], { token }))).toBe(
      ErrorCode.NOT_FOUND,
    );
    expect(h.app.core.listModules().find((m) => m.name === 'vault')?.loaded).toBe(false);
    await h.app.core.loadKnown('vault');
    await expect(alice.call('readVault', ['greeting'], { token })).resolves.toBe('hello');
  });

  it('a call through ctx.call honours its timeout', async () => {
    const slow = {
      name: 'vault',
      create: () => ({ read: () => new Promise((r) => setTimeout(() => r('late'), 300)) }),
    };
    const { defineModule } = await import('@tessera/sdk');
    h = await startApp(
      [
        { caller: 'alice', target: 'vault', methods: ['read'] },
        { caller: 'eve', target: 'alice', methods: ['callWithTimeout'] },
      ],
      {
        modules: [
          { manifest: { name: 'vault' }, definition: defineModule(slow) },
          { manifest: { name: 'alice' }, definition: (await import('./fixtures')).alice },
        ],
      },
    );
    const { token } = await h.app.core.issueToken('eve', 'alice', []);
    const alice = await h.dial('alice', 'eve');
    expect(await codeOf(alice.call('callWithTimeout', [20], { token }))).toBe(ErrorCode.TIMEOUT);
    await expect(alice.call('callWithTimeout', [2000], { token })).resolves.toBe('late');
  });

  it('rejects reserved and mismatched module names', async () => {
    h = await startApp([]);
    await expect(
      h.app.core.load([{ manifest: { name: 'core' }, definition: other }]),
    ).rejects.toThrow(/reserved/);
    await expect(
      h.app.core.load([{ manifest: { name: 'thing' }, definition: other }]),
    ).rejects.toThrow(/named 'other'/);
  });
});

describe('load order', () => {
  it('puts dependencies first', () => {
    expect(
      loadOrder([
        { name: 'notes', dependencies: ['storage'] },
        { name: 'storage' },
        { name: 'audit', dependencies: ['notes'] },
      ]),
    ).toEqual(['storage', 'notes', 'audit']);
  });
  it('names the modules of a cycle', () => {
    expect(() =>
      loadOrder([
        { name: 'a', dependencies: ['b'] },
        { name: 'b', dependencies: ['c'] },
        { name: 'c', dependencies: ['a'] },
      ]),
    ).toThrow('dependency cycle: a -> b -> c -> a');
  });
  it('groups independent modules into levels that can start together', () => {
    const deps: Record<string, string[]> = {
      notes: ['storage'],
      audit: ['notes', 'storage'],
      metrics: [],
      storage: [],
    };
    const order = loadOrder(
      Object.entries(deps).map(([name, dependencies]) => ({ name, dependencies })),
    );
    expect(loadLevels(order, (n) => deps[n] ?? [])).toEqual([
      ['storage', 'metrics'],
      ['notes'],
      ['audit'],
    ]);
  });
  it('names a missing dependency', () => {
    expect(() => loadOrder([{ name: 'notes', dependencies: ['storage'] }])).toThrow(
      'module notes depends on storage, which is not part of the app',
    );
  });
});
