import { ErrorCode, resolveToken } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS } from '../index';
import type { CoreEvent } from '../lib/lifecycle/core-events';
import { createTessera, type Tessera } from '../lib/tessera';
import { connectAs, pinnedKeys } from './identities';
import { packageEntry as entry } from './fixtures/module-packages';

const HEARTBEAT_MS = 100; // a host silent for 3 beats (300 ms of the core's time) is hung

/** Block this process's event loop, as a long policy evaluation once did (issue 11: ~17 s). */
function blockCore(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // nothing runs meanwhile: no timer, no channel read
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['ipc', 'zeromq'])('the heartbeat watchdog over %s', (kind) => {
  let app: Tessera;
  let transport: Transport;
  let events: CoreEvent[];
  const peers: RpcPeer[] = [];
  const keys = pinnedKeys(['eve']);

  beforeEach(async () => {
    events = [];
    const policy = new StaticPolicyEngine([
      ...['echo', 'relay'].map((caller) => ({
        caller,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
      { caller: 'eve', target: 'core', methods: [...CORE_MANAGER_METHODS] },
      { caller: 'relay', target: 'echo', methods: ['echo', 'pid'] },
      { caller: 'eve', target: 'echo', methods: ['hang', 'echo'] },
      { caller: 'eve', target: 'relay', methods: ['relay'] },
    ]);
    app = await createTessera({
      isolation: 'process',
      transport: { kind },
      policy,
      heartbeatMs: HEARTBEAT_MS,
      restart: { maxRestarts: 2, backoffMs: 50, maxBackoffMs: 200 },
      identities: [{ name: 'eve', provides: {}, requires: [] }],
      identityKeys: keys,
      capability: { sweepIntervalMs: 0 },
    });
    app.core.onEvent((e) => events.push(e));
    await app.core.load([
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
      entry('@tessera-test/echo', 'echo', { events: ['beat'] }),
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind });
  });

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await transport.close();
    await app.close();
  });

  const dial = async (module: string): Promise<{ peer: RpcPeer; token: string }> => {
    const { token } = await app.core.issueToken('eve', module, []);
    const address = app.core.module(module)?.address as string;
    const peer = new RpcPeer(await connectAs(transport, keys, address, 'eve'));
    peers.push(peer);
    return { peer, token };
  };
  const pids = () => ['echo', 'relay'].map((m) => app.core.module(m)?.host?.pid);
  const crashes = () => events.filter((e) => e.kind === 'crashed');

  it("never reads the core's own stall as hung hosts: all survive a 1.5 s block (5x the timeout)", async () => {
    const before = pids();
    await sleep(3 * HEARTBEAT_MS); // the watchdogs are ticking
    blockCore(1500);
    await sleep(10 * HEARTBEAT_MS); // every watchdog ticks, late then on time, many times
    expect(crashes()).toEqual([]);
    expect(pids()).toEqual(before);
    expect(app.core.module('echo')?.state).toBe('ready');
    const { peer, token } = await dial('relay');
    await expect(peer.call('relay', ['still here'], { token })).resolves.toBe('still here');
  });

  it('still kills a genuinely hung host (its own loop blocked), with the core responsive', async () => {
    const { peer, token } = await dial('echo');
    const hung = codeOf(peer.call('hang', [5000], { token }));
    const end = Date.now() + 4000;
    while (!crashes().some((e) => 'module' in e && e.module === 'echo')) {
      if (Date.now() > end) throw new Error('the hung host was not killed');
      await sleep(20);
    }
    expect(crashes()).toEqual([
      expect.objectContaining({
        module: 'echo',
        reason: expect.stringMatching(/missed heartbeats/),
      }),
    ]);
    expect(await hung).toBe(ErrorCode.UNAVAILABLE);
  });

  it('kills a hung host even when the core stalls meanwhile', async () => {
    const { peer, token } = await dial('echo');
    const hung = codeOf(peer.call('hang', [8000], { token }));
    await sleep(HEARTBEAT_MS); // the call reached echo, whose loop is now blocked
    blockCore(1000);
    const end = Date.now() + 4000;
    while (!crashes().some((e) => 'module' in e && e.module === 'echo')) {
      if (Date.now() > end) throw new Error('the hung host was not killed');
      await sleep(20);
    }
    expect(await hung).toBe(ErrorCode.UNAVAILABLE);
    expect(crashes().map((e) => ('module' in e ? e.module : ''))).toEqual(['echo']);
  });
});
