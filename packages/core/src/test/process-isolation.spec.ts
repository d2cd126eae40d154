import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { ErrorCode, type TesseraError, resolveToken } from '@tessera/protocol';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS } from '../index';
import type { CoreEvent } from '../lib/lifecycle/core-events';
import { codeOf } from '@tessera/protocol/testing';
import { connectAs, pinnedKeys } from './identities';
import { IpcTransport } from '@tessera/transport-ipc';
import { OperatorEndpoint, createOperatorCredential } from '../lib/operator/operator-endpoint';
import { packageEntry as entry } from './fixtures/module-packages';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(['ipc', 'zeromq'])('process isolation over %s', (kind) => {
  let app: Tessera;
  let policy: StaticPolicyEngine;
  let transport: Transport;
  let events: CoreEvent[];
  const peers: RpcPeer[] = [];

  const waitFor = async (pred: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const keys = pinnedKeys(['eve']);
  /** A connection proving eve's key, as her own host would open it. */
  const dial = async (address: string) => {
    const p = new RpcPeer(await connectAs(transport, keys, address, 'eve'));
    peers.push(p);
    return p;
  };
  const addressOf = (m: string) => app.core.module(m)?.address as string;
  const eveToken = async (target: string) => (await app.core.issueToken('eve', target, [])).token;

  beforeEach(async () => {
    events = [];
    policy = new StaticPolicyEngine([
      ...['echo', 'relay'].map((caller) => ({
        caller,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
      { caller: 'eve', target: 'core', methods: [...CORE_MANAGER_METHODS] },
      { caller: 'relay', target: 'echo', methods: ['echo', 'pid', 'dieMidCall'] },
      { caller: 'eve', target: 'relay', methods: ['relay', 'relayDie', 'whoAmI'] },
      { caller: 'eve', target: 'echo', methods: ['hang', 'echo'] },
      { caller: 'eve', target: 'thief', methods: ['replay', 'operator'] },
      { caller: 'thief', target: 'core', methods: [...CORE_MODULE_METHODS] },
    ]);
    app = await createTessera({
      isolation: 'process',
      transport: { kind },
      policy,
      heartbeatMs: 150,
      restart: { maxRestarts: 2, backoffMs: 50, maxBackoffMs: 200 },
      identities: [{ name: 'eve', provides: {}, requires: [] }],
      identityKeys: keys,
      capability: { sweepIntervalMs: 0 },
    });
    app.core.onEvent((e) => events.push(e));
    await app.core.load([
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
      entry('@tessera-test/echo', 'echo', { events: ['beat'] }),
      entry('@tessera-test/thief', 'thief'),
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind });
  });

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await transport.close();
    const pids = app.core
      .stats()
      .map((s) => s.pid)
      .filter((p): p is number => typeof p === 'number');
    const sockets = ['echo', 'relay', 'thief']
      .map(addressOf)
      .filter(Boolean)
      .map((a) => a.replace('ipc://', ''));
    await app.close();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const s of sockets) expect(existsSync(s)).toBe(false);
  });

  it('runs each module in its own process, loads dependencies first, and allows a granted call', async () => {
    const ready = events.filter((e) => e.kind === 'ready').map((e) => e.module);
    expect(ready.indexOf('echo')).toBeLessThan(ready.indexOf('relay'));
    expect(ready.sort()).toEqual(['echo', 'relay', 'thief']);
    const token = await eveToken('relay'); // a key holding no grant here is refused at the handshake
    const relay = await dial(addressOf('relay'));
    const who = (await relay.call('whoAmI', [], { token })) as { relay: number; echo: number };
    // Each pid as its host sees it (under bwrap, its own pid namespace): the core knows the real ones.
    expect(who).toEqual({ relay: expect.any(Number), echo: expect.any(Number) });
    const hostPids = ['relay', 'echo'].map((m) => app.core.module(m)?.host?.pid);
    expect(new Set([...hostPids, process.pid]).size).toBe(3);
    await expect(relay.call('relay', [{ deep: [1, 'two', null] }], { token })).resolves.toEqual({
      deep: [1, 'two', null],
    });
  });

  it("binds every module's grants, its core token included, to the key its host proved", async () => {
    const relayToken = await eveToken('relay');
    const relay = await dial(addressOf('relay'));
    await relay.call('relay', ['bound'], { token: relayToken }); // relay -> echo is granted now
    const grants = app.core.capability.grants().filter((g) => g.caller !== 'eve');
    const byCaller = new Map<string, Set<string | undefined>>();
    for (const g of grants) {
      const keys = byCaller.get(g.caller) ?? new Set();
      keys.add(g.callerKey);
      byCaller.set(g.caller, keys);
    }
    expect([...byCaller.keys()].sort()).toEqual(['echo', 'relay', 'thief']);
    expect(grants.filter((g) => g.target === 'core')).toHaveLength(3);
    for (const [caller, keys] of byCaller) {
      expect({ caller, keys: keys.size }).toEqual({ caller, keys: 1 }); // one key per host...
      expect([...keys][0]).toEqual(expect.any(String)); // ... and never unbound
    }
    const distinct = new Set([...byCaller.values()].map((k) => [...k][0]));
    expect(distinct.size).toBe(3);
  });

  it('denies what the policy does not allow, with its reason', async () => {
    const err = (await app.core.issueToken('relay', 'relay', []).catch((e) => e)) as TesseraError;
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toBe('no rule lets relay call relay');
    const token = await eveToken('echo');
    const echo = await dial(addressOf('echo'));
    expect(await codeOf(echo.call('pid', [], { token }))).toBe(ErrorCode.PERMISSION_DENIED);
  });

  it('a module killed mid-call fails the caller fast with UNAVAILABLE, loses its grants, and works again after restart', async () => {
    const token = await eveToken('relay'); // a key holding no grant here is refused at the handshake
    const relay = await dial(addressOf('relay'));
    await relay.call('relay', ['warm'], { token });
    const echoPid = app.core.module('echo')?.host?.pid as number;
    const deadAddress = addressOf('echo');
    expect(
      app.core.capability.grants().some((g) => g.target === 'echo' && g.caller === 'relay'),
    ).toBe(true);

    const started = Date.now();
    expect(await codeOf(relay.call('relayDie', [], { token }))).toBe(ErrorCode.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(2000);

    await waitFor(() => events.some((e) => e.kind === 'crashed' && e.module === 'echo'));
    expect(
      app.core.capability.grants().filter((g) => g.target === 'echo' || g.caller === 'echo'),
    ).toEqual([]);
    expect(alive(echoPid)).toBe(false);

    const deadSocket = deadAddress.replace('ipc://', '');
    await waitFor(
      () => events.filter((e) => e.kind === 'ready' && e.module === 'echo').length === 2,
    );
    expect(app.core.module('echo')?.host?.pid).not.toBe(echoPid);
    expect(existsSync(deadSocket)).toBe(false); // the killed host's socket was reclaimed
    await expect(relay.call('relay', ['again'], { token })).resolves.toBe('again');
    expect(app.core.stats().find((s) => s.name === 'echo')?.restarts).toBe(1);
  });

  it('detects a hung module by its missed heartbeats, kills and restarts it', async () => {
    const token = await eveToken('echo');
    const echo = await dial(addressOf('echo'));
    const hung = codeOf(echo.call('hang', [5000], { token }));
    await waitFor(() => events.some((e) => e.kind === 'crashed' && e.module === 'echo'));
    const crash = events.find((e) => e.kind === 'crashed') as Extract<
      CoreEvent,
      { kind: 'crashed' }
    >;
    expect(crash.reason).toMatch(/missed heartbeats/);
    expect(await hung).toBe(ErrorCode.UNAVAILABLE);
    await waitFor(() => app.core.module('echo')?.state === 'ready');
  });

  it('survives garbage bytes on a host socket and keeps serving legitimate calls', async () => {
    const path = addressOf('echo').replace('ipc://', '');
    expect(addressOf('echo')).toMatch(/^ipc:\/\//); // both carriers listen on private Unix sockets by default
    for (const junk of [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]),
    ]) {
      await new Promise<void>((resolve) => {
        // Write, give the host a moment to chew on it, then hang up ourselves:
        // some carriers (ZMTP) wait for more bytes rather than closing on garbage.
        const s = connect(path, () => s.write(junk, () => setTimeout(() => s.destroy(), 50)));
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    }
    const relayToken = await eveToken('relay');
    const relay = await dial(addressOf('relay'));
    await expect(relay.call('relay', ['fine'], { token: relayToken })).resolves.toBe('fine');
    expect(events.some((e) => e.kind === 'crashed')).toBe(false);
  });

  it("a malicious module replaying a sibling's tokens on connections of its own gets nothing", async () => {
    // relay's token on echo and eve's core token, as if thief had read them out of their memory.
    const onEcho = await app.core.issueToken('relay', 'echo', []);
    const onCore = await app.core.issueToken('eve', 'core', []);
    const token = await eveToken('thief'); // a key holding no grant here is refused at the handshake
    const thief = await dial(addressOf('thief'));
    type Outcome = { ok: boolean; code?: string; message?: string };
    const atEcho = (await thief.call(
      'replay',
      [kind, addressOf('echo'), onEcho.token, 'echo', ['stolen']],
      { token },
    )) as { raw: Outcome; ownKey: Outcome };
    // No handshake: dropped unread (or, on ZMTP, never answered).
    expect(atEcho.raw.ok).toBe(false);
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain(atEcho.raw.code);
    // Its own key: holds no grant at echo, so the handshake itself is refused.
    expect(atEcho.ownKey).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(atEcho.ownKey.message).toMatch(/not admitted/);
    const atCore = (await thief.call(
      'replay',
      [kind, app.core.address, onCore.token, 'requestModule', [{ to: 'echo' }]],
      { token },
    )) as { raw: Outcome; ownKey: Outcome };
    expect(atCore.raw.ok).toBe(false);
    expect(atCore.ownKey).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(app.core.capability.grants().filter((g) => g.caller === 'thief')).toEqual([
      expect.objectContaining({ target: 'core' }),
    ]);
    // The operator socket, its address leaked: hidden by the sandbox, or refused without the credential.
    const operator = new OperatorEndpoint(app.core, new IpcTransport(), createOperatorCredential());
    try {
      const atOperator = (await thief.call('operator', [await operator.start()], {
        token,
      })) as Outcome;
      expect(atOperator.ok).toBe(false);
      expect(['UNAUTHENTICATED', 'UNAVAILABLE']).toContain(atOperator.code);
    } finally {
      await operator.close();
    }
    // The app keeps serving, and relay still reaches echo with its own grant.
    const relayToken = await eveToken('relay');
    const relay = await dial(addressOf('relay'));
    await expect(relay.call('relay', ['still'], { token: relayToken })).resolves.toBe('still');
  });

  it('serves the core-manager surface over RPC to a core-issued token', async () => {
    const token = await eveToken('core');
    const core = await dial(app.core.address);
    const loaded = (await core.call('listLoaded', [], { token })) as { name: string }[];
    expect(loaded.map((m) => m.name)).toEqual(['echo', 'relay', 'thief']);
    const methods = (await core.call('methods', ['echo'], { token })) as {
      methods: { name: string; params: string[] }[];
    };
    expect(methods.methods).toContainEqual({ name: 'add', params: ['a', 'b'] });
    await waitFor(() => app.core.stats().every((s) => (s.rssBytes ?? 0) > 0));
    const stats = (await core.call('stats', [], { token })) as {
      name: string;
      pid: number;
      rssBytes: number;
      cpuTimeMs: number;
      cpuPercent: number;
    }[];
    for (const s of stats) {
      expect(s.pid).toBeGreaterThan(0);
      expect(s.rssBytes).toBeGreaterThan(1_000_000);
      expect(s.cpuTimeMs).toBeGreaterThan(0);
      expect(typeof s.cpuPercent).toBe('number');
    }
    await expect(core.call('unload', ['relay'], { token })).resolves.toBe(true);
    expect(
      ((await core.call('listLoaded', [], { token })) as { name: string }[]).map((m) => m.name),
    ).toEqual(['echo', 'thief']);
    await expect(core.call('load', ['relay'], { token })).resolves.toBe(true);
    expect(await codeOf(core.call('requestModule', [{ to: 'echo' }], { token }))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
  });
});

describe('isolation config', () => {
  it('refuses process isolation over the in-process transport', async () => {
    await expect(
      createTessera({ isolation: 'process', transport: { kind: 'inproc' } }),
    ).rejects.toThrow(
      'isolation "process" needs a transport that crosses processes (ipc or zeromq), not "inproc"',
    );
  });
});
