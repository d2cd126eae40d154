#!/usr/bin/env node
// IPC transport vs a raw baseline, both against a server in a child process.
//   subject:  RpcPeer over IpcTransport, server serves an `echo` handler.
//   baseline: a net Unix socket with length-prefixed msgpackr echo, no RPC layer.
//   channel binding: the subject with and without the identity handshake, alternating.
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

const WARMUP = 2_000;
const SEQUENTIAL = 5_000;
const PARALLEL = 200_000;
const IN_FLIGHT = 64;
const PAYLOAD = { text: 'hello', n: 42, list: [1, 2, 3] };
const BINDING_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

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
else await main();
