#!/usr/bin/env node
// IPC transport vs a raw baseline, both against a server in a child process.
//   subject:  RpcPeer over IpcTransport, server serves an `echo` handler.
//   baseline: a net Unix socket with length-prefixed msgpackr echo, no RPC layer.
//   channel binding: the subject with and without the identity handshake, alternating.
//   grant terms: the door (openInboundSession + ModuleProxy + TokenManager) with a plain
//     grant and with one carrying a rate limit (overall and per method, never hit) and a
//     resource constraint, alternating; the ratio is their per-call cost.
// Measures sequential p50 latency and throughput with 64 calls in flight.
// Run after `npx nx run-many -t build`: node tools/bench/run.mjs ipc
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import {
  rawClient,
  serveAsChild,
  startChild,
  startRawServer,
  stopChild,
} from './lib/raw-unix-echo.mjs';

const require = createRequire(import.meta.url);
const { IpcTransport } = require('@tessera/transport-ipc');
const { RpcPeer, createChannelIdentity, withChannelAuth } = require('@tessera/transport');
const { ModuleProxy, openInboundSession } = require('@tessera/proxy');
const { TokenManager, mintToken } = require('@tessera/token-manager');

const WARMUP = 2_000;
const SEQUENTIAL = 5_000;
const PARALLEL = 200_000;
const IN_FLIGHT = 64;
const PAYLOAD = { text: 'hello', n: 42, list: [1, 2, 3] };
const BINDING_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TERMS_BUDGET = 0.1;
/** Never reached at this bench's rate: the bucket is checked on every call and always admits. */
const TERMS = {
  rateLimit: {
    perSecond: 1_000_000,
    burst: 1_000_000,
    perMethod: { get: { perSecond: 1_000_000, burst: 1_000_000 } },
  },
  constraints: { get: { key: ['note:*', 'draft:*'] } },
};

// ---- child roles -----------------------------------------------------------

async function serveIpc(dir) {
  const transport = new IpcTransport({ runtimeDir: dir });
  const listener = await transport.listen(undefined, (conn) => {
    new RpcPeer(conn, { handler: (call) => call.args[0] });
  });
  return { address: listener.address, close: () => transport.close() };
}

/** The same server behind the channel handshake: every client proves a key first. */
async function serveIpcAuth(dir) {
  const transport = withChannelAuth(new IpcTransport({ runtimeDir: dir }), {
    identity: createChannelIdentity().identity,
    owns: true,
  });
  const listener = await transport.listen(undefined, (conn) => {
    new RpcPeer(conn, { handler: (call) => call.args[0] });
  });
  return { address: listener.address, close: () => transport.close() };
}

/**
 * A module endpoint as a host serves it: the door in front of a ModuleProxy.
 * Two grants for the same caller, minted by the parent: one plain, one with
 * {@link TERMS}. The caller identity is fixed (no handshake: not measured here).
 */
async function serveDoor(dir, plainToken, termsToken) {
  const tokens = new TokenManager('kv');
  const grant = {
    caller: 'bench',
    methods: ['get'],
    expiresAt: Date.now() + 3_600_000,
    generation: 1,
  };
  tokens.addGrant(plainToken, grant);
  tokens.addGrant(termsToken, { ...grant, ...TERMS });
  const instance = { get: (key, value) => value };
  const spec = {
    methods: [{ name: 'get', params: ['key', 'value'], resources: ['key'] }],
    events: [],
  };
  const proxy = new ModuleProxy('kv', instance, spec, tokens);
  const transport = new IpcTransport({ runtimeDir: dir });
  const listener = await transport.listen(undefined, (conn) => {
    openInboundSession(conn, { proxy, tokens, identity: { caller: 'bench' } });
  });
  return { address: listener.address, close: () => transport.close() };
}

/**
 * The door's own work per call, without I/O (which the ipc rows' noise
 * hides): ModuleProxy.invoke on a plain grant and on one with {@link TERMS},
 * alternating rounds, median ns per call.
 */
function doorWorkNs() {
  const N = 1_000_000;
  const tokens = new TokenManager('kv');
  const grant = {
    caller: 'bench',
    methods: ['get'],
    expiresAt: Date.now() + 3_600_000,
    generation: 1,
  };
  const plain = mintToken();
  const terms = mintToken();
  // Rates far above this loop's (the ipc rows use TERMS as they are).
  const fast = { perSecond: 1_000_000_000, burst: 1_000_000_000 };
  tokens.addGrant(plain, grant);
  tokens.addGrant(terms, {
    ...grant,
    ...TERMS,
    rateLimit: { ...fast, perMethod: { get: fast } },
  });
  const spec = {
    methods: [{ name: 'get', params: ['key', 'value'], resources: ['key'] }],
    events: [],
  };
  const proxy = new ModuleProxy('kv', { get: (key, value) => value }, spec, tokens);
  const run = (token) => {
    const cache = {};
    const args = ['note:1', PAYLOAD];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) proxy.invoke(token, 'bench', 'get', args, undefined, cache);
    return Number(process.hrtime.bigint() - t0) / N;
  };
  const rounds = { plain: [], terms: [] };
  for (let r = 0; r < 9; r++) {
    rounds.plain.push(run(plain));
    rounds.terms.push(run(terms));
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  return { plain: med(rounds.plain), terms: med(rounds.terms) };
}

// ---- parent ----------------------------------------------------------------

async function measure(call) {
  for (let i = 0; i < WARMUP; i++) await call(PAYLOAD);
  const times = new Float64Array(SEQUENTIAL);
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = process.hrtime.bigint();
    await call(PAYLOAD);
    times[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  times.sort();
  const p50 = times[Math.floor(SEQUENTIAL * 0.5)];
  const p99 = times[Math.floor(SEQUENTIAL * 0.99)];
  let issued = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (issued < PARALLEL) {
      issued++;
      await call(PAYLOAD);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { p50, p99, throughput: PARALLEL / seconds };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-ipc-'));
  const children = [];
  try {
    const raw = await startRawServer(dir);
    children.push(raw.child);
    const naive = await rawClient(raw.address, false);
    const naiveResult = await measure(naive.call);
    await naive.close();
    const rc = await rawClient(raw.address, true);
    const rawResult = await measure(rc.call);
    await rc.close();

    const ipc = await startChild(fileURLToPath(import.meta.url), ['serve-ipc', join(dir, 'run')]);
    children.push(ipc.child);
    const transport = new IpcTransport({ runtimeDir: join(dir, 'run') });
    const peer = new RpcPeer(await transport.connect(ipc.address));
    const ipcResult = await measure((v) => peer.call('echo', [v]));
    await peer.close();
    await transport.close();

    // Channel binding: the same RpcPeer over ipc, without and with the
    // handshake, in alternating rounds; the ratio is its per-call cost.
    const auth = await startChild(fileURLToPath(import.meta.url), [
      'serve-ipc-auth',
      join(dir, 'run'),
    ]);
    children.push(auth.child);
    const plainRounds = [];
    const authRounds = [];
    for (let round = 0; round < BINDING_ROUNDS; round++) {
      const t = new IpcTransport({ runtimeDir: join(dir, 'run') });
      const plainPeer = new RpcPeer(await t.connect(ipc.address));
      plainRounds.push(await measure((v) => plainPeer.call('echo', [v])));
      await plainPeer.close();
      const proven = withChannelAuth(t, { identity: createChannelIdentity().identity });
      const authPeer = new RpcPeer(await proven.connect(auth.address));
      authRounds.push(await measure((v) => authPeer.call('echo', [v])));
      await authPeer.close();
      await t.close();
    }
    // Grant terms: the same door, a plain grant and one with a rate limit and a
    // constraint, in alternating rounds; the ratio is what the terms cost per call.
    const plainToken = mintToken();
    const termsToken = mintToken();
    const door = await startChild(fileURLToPath(import.meta.url), [
      'serve-door',
      join(dir, 'run'),
      plainToken,
      termsToken,
    ]);
    children.push(door.child);
    const doorPlainRounds = [];
    const doorTermsRounds = [];
    for (let round = 0; round < BINDING_ROUNDS; round++) {
      const pair = [
        [plainToken, doorPlainRounds],
        [termsToken, doorTermsRounds],
      ];
      // Which goes first alternates too, so neither profits from the other's warm-up.
      for (const [token, rounds] of round % 2 ? pair.reverse() : pair) {
        const t = new IpcTransport({ runtimeDir: join(dir, 'run') });
        const p = new RpcPeer(await t.connect(door.address));
        rounds.push(await measure((v) => p.call('get', ['note:1', v], { token })));
        await p.close();
        await t.close();
      }
    }
    const med = (rounds, k) => rounds.map((r) => r[k]).sort((a, b) => a - b)[rounds.length >> 1];

    const fmt = (n, d = 1) => n.toFixed(d).padStart(12);
    console.log(
      `calls: ${SEQUENTIAL} sequential (p50/p99 µs), ${PARALLEL} with ${IN_FLIGHT} in flight (calls/s)`,
    );
    console.log(
      `${'subject'.padEnd(28)}${'p50 µs'.padStart(12)}${'p99 µs'.padStart(12)}${'calls/s'.padStart(12)}`,
    );
    console.log(
      `${'raw, one write per call'.padEnd(28)}${fmt(naiveResult.p50)}${fmt(naiveResult.p99)}${fmt(naiveResult.throughput, 0)}`,
    );
    console.log(
      `${'raw, writes corked per tick'.padEnd(28)}${fmt(rawResult.p50)}${fmt(rawResult.p99)}${fmt(rawResult.throughput, 0)}`,
    );
    console.log(
      `${'RpcPeer over IpcTransport'.padEnd(28)}${fmt(ipcResult.p50)}${fmt(ipcResult.p99)}${fmt(ipcResult.throughput, 0)}`,
    );
    console.log(
      `${'ipc + channel handshake'.padEnd(28)}${fmt(med(authRounds, 'p50'))}${fmt(med(authRounds, 'p99'))}${fmt(med(authRounds, 'throughput'), 0)}`,
    );
    const bindTput = med(authRounds, 'throughput') / med(plainRounds, 'throughput');
    const bindLat = med(authRounds, 'p50') / med(plainRounds, 'p50');
    console.log(
      `channel binding, median of ${BINDING_ROUNDS} alternating rounds: throughput ratio ${bindTput.toFixed(3)}, p50 ratio ${bindLat.toFixed(3)} (budget: within 5%) ${bindTput >= 0.95 && bindLat <= 1.05 ? 'OK' : 'OVER BUDGET'}`,
    );
    console.log(
      `${'door, plain grant'.padEnd(28)}${fmt(med(doorPlainRounds, 'p50'))}${fmt(med(doorPlainRounds, 'p99'))}${fmt(med(doorPlainRounds, 'throughput'), 0)}`,
    );
    console.log(
      `${'door, limit + constraint'.padEnd(28)}${fmt(med(doorTermsRounds, 'p50'))}${fmt(med(doorTermsRounds, 'p99'))}${fmt(med(doorTermsRounds, 'throughput'), 0)}`,
    );
    const termsTput = med(doorTermsRounds, 'throughput') / med(doorPlainRounds, 'throughput');
    const termsLat = med(doorTermsRounds, 'p50') / med(doorPlainRounds, 'p50');
    const termsOk = termsTput >= 1 - TERMS_BUDGET && termsLat <= 1 + TERMS_BUDGET;
    console.log(
      `grant terms (rate limit + constraint), median of ${BINDING_ROUNDS} alternating rounds: throughput ratio ${termsTput.toFixed(3)}, p50 ratio ${termsLat.toFixed(3)} (budget: within ${TERMS_BUDGET * 100}%) ${termsOk ? 'OK' : 'OVER BUDGET'}`,
    );
    const work = doorWorkNs();
    const extra = work.terms - work.plain;
    // Against the door's busiest per-call time (64 in flight: 1e9 / calls/s), not its p50 latency.
    const share = extra / (1e9 / med(doorPlainRounds, 'throughput'));
    console.log(
      `grant terms, the door's work without I/O: ${work.plain.toFixed(0)} ns plain, ${work.terms.toFixed(0)} ns with terms: +${extra.toFixed(0)} ns a call, ${(share * 100).toFixed(1)}% of a door call over ipc at 64 in flight (budget: within ${TERMS_BUDGET * 100}%) ${share <= TERMS_BUDGET ? 'OK' : 'OVER BUDGET'}`,
    );
    const tput = ipcResult.throughput / rawResult.throughput;
    const lat = ipcResult.p50 / rawResult.p50;
    console.log(
      `throughput ratio ipc/raw(corked): ${tput.toFixed(2)} (budget >= 0.80) ${tput >= 0.8 ? 'OK' : 'OVER BUDGET'}`,
    );
    console.log(
      `p50 ratio ipc/raw(corked):        ${lat.toFixed(2)} (budget <= 1.20) ${lat <= 1.2 ? 'OK' : 'OVER BUDGET'}`,
    );
  } finally {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  }
}

const [role, dir] = process.argv.slice(2);
if (role === 'serve-ipc') await serveAsChild(() => serveIpc(dir));
else if (role === 'serve-ipc-auth') await serveAsChild(() => serveIpcAuth(dir));
else if (role === 'serve-door')
  await serveAsChild(() => serveDoor(dir, process.argv[4], process.argv[5]));
else await main();
