import { resolveToken } from '@tessera/protocol';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MODULE_METHODS } from '../index';
import type { CoreEvent, RestartPolicy } from '../lib/lifecycle/core-events';
import { connectAs, pinnedKeys } from './identities';
import { packageEntry as entry } from './fixtures/module-packages';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lifetimes with real module processes over ipc: relay subscribes to echo's `beat`. */
describe('lifetimes, with process hosts', () => {
  let app: Tessera;
  let transport: Transport;
  let events: CoreEvent[];
  const peers: RpcPeer[] = [];
  const keys = pinnedKeys(['eve']);

  const waitFor = async (pred: () => boolean | Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await tick(20);
    }
  };
  const start = async (restart: RestartPolicy, ttlSeconds = 3600) => {
    events = [];
    const policy = new StaticPolicyEngine([
      ...['echo', 'relay'].map((caller) => ({
        caller,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
      { caller: 'relay', target: 'echo', methods: ['echo', 'event:beat'], ttlSeconds },
      { caller: 'eve', target: 'echo', methods: ['beat'] },
      { caller: 'eve', target: 'relay', methods: ['watch', 'beats', 'notices'] },
    ]);
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy,
      heartbeatMs: 150,
      restart,
      identities: [{ name: 'eve', provides: {}, requires: [] }],
      identityKeys: keys,
      capability: { sweepIntervalMs: 200 },
    });
    app.core.onEvent((e) => events.push(e));
    await app.core.load([
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
      entry('@tessera-test/echo', 'echo', { events: ['beat'] }),
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind: 'ipc' });
  };
  /** eve's handle on `module`'s current incarnation. */
  const handle = async (module: string) => {
    const { token } = await app.core.issueToken('eve', module, []);
    const address = app.core.module(module)?.address as string;
    const peer = new RpcPeer(await connectAs(transport, keys, address, 'eve'));
    peers.push(peer);
    return (method: string, args: unknown[] = []) => peer.call(method, args, { token });
  };
  const readies = (module: string) =>
    events.filter((e) => e.kind === 'ready' && e.module === module).length;
  const kill = (module: string) =>
    process.kill(app.core.module(module)?.host?.pid as number, 'SIGKILL');

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await transport?.close();
    await app?.close();
  });

  it("keeps relay's subscription through the renewals of a 2 s grant: every beat arrives", async () => {
    await start({ maxRestarts: 3, backoffMs: 50, maxBackoffMs: 200 }, 2);
    const relay = await handle('relay');
    const echo = await handle('echo');
    await expect(relay('watch')).resolves.toBe(true);
    for (let i = 0; i < 35; i++) {
      await echo('beat', [i]);
      await tick(100);
    }
    await waitFor(async () => ((await relay('beats')) as unknown[]).length === 35);
    expect(await relay('beats')).toEqual(Array.from({ length: 35 }, (_, i) => i));
    const renewals = app.core.capability
      .grants()
      .filter((g) => g.caller === 'relay' && g.target === 'echo');
    expect(renewals).toHaveLength(1); // one live grant: each renewal replaced the last
    expect(renewals[0]!.issuedAt).toBeGreaterThan(Date.now() - 2000);
  });

  it("keeps relay's subscription through echo's SIGKILL and restart, and relay's own restart", async () => {
    // An hour-long grant: no renewal comes to the rescue, the subscription is restored by itself.
    await start({ maxRestarts: 3, backoffMs: 50, maxBackoffMs: 200 });
    let relay = await handle('relay');
    let echo = await handle('echo');
    await expect(relay('watch')).resolves.toBe(true);
    await echo('beat', ['before']);
    await waitFor(async () => ((await relay('beats')) as unknown[]).includes('before'));

    // echo is killed and comes back at a new address as a new incarnation.
    const before = app.core.module('echo')?.address;
    kill('echo');
    await waitFor(() => readies('echo') === 2);
    expect(app.core.module('echo')?.address).not.toBe(before);
    expect(app.core.module('echo')?.incarnation).toBe(2);
    echo = await handle('echo');
    // relay gets its subscription back by itself, and is told echo restarted.
    await waitFor(async () => {
      await echo('beat', ['first after']);
      return ((await relay('beats')) as unknown[]).includes('first after');
    });
    for (const n of ['a', 'b', 'c']) await echo('beat', [n]);
    await waitFor(async () => ((await relay('beats')) as unknown[]).includes('c'));
    expect(((await relay('beats')) as unknown[]).slice(-3)).toEqual(['a', 'b', 'c']);
    expect(await relay('notices')).toEqual([{ kind: 'restarted', target: 'echo' }]);

    // relay itself is killed: its create() subscribes again, as a module that wants that does.
    kill('relay');
    await waitFor(() => readies('relay') === 2);
    relay = await handle('relay');
    await waitFor(async () => {
      await echo('beat', ['to the new relay']);
      return ((await relay('beats')) as unknown[]).includes('to the new relay');
    });
    expect(await relay('notices')).toEqual([]);
  });

  it('resets the restart count of a module that ran stably for resetAfterMs', async () => {
    await start({ maxRestarts: 1, backoffMs: 20, maxBackoffMs: 20, resetAfterMs: 600 });
    const restarting = () =>
      events.filter((e) => e.kind === 'restarting' && e.module === 'echo') as Extract<
        CoreEvent,
        { kind: 'restarting' }
      >[];
    kill('echo');
    await waitFor(() => readies('echo') === 2);
    await tick(800); // stable for longer than resetAfterMs: the count goes back to 0
    kill('echo');
    await waitFor(() => readies('echo') === 3);
    expect(restarting().map((e) => e.attempt)).toEqual([1, 1]);
    // A crash soon after a restart still counts: with maxRestarts 1, echo is given up on.
    kill('echo');
    await waitFor(() => events.some((e) => e.kind === 'failed' && e.module === 'echo'));
    expect(restarting()).toHaveLength(2);
  });
});
