#!/usr/bin/env node
// Process isolation over IPC: an authenticated module call vs a raw baseline,
// both against a server in a child process, measured in the same run.
//   subject:   an app with isolation 'process' and transport ipc; the echo
//              module runs in its own host process. The bench process holds a
//              policy-issued grant and calls echo.echo over RpcPeer on
//              IpcTransport, so every call passes the target's ModuleProxy and
//              TokenManager checks.
//   module->module: the relay module (own process) calls echo through its SDK
//              client (cached token); timed inside relay by relay.loop().
//   baseline:  a raw Unix socket, length-prefixed msgpackr echo server in a
//              child process (replies batched per read), client corked per tick.
// Sequential p50/p99 and throughput with 64 in flight; rounds alternate
// raw/tessera and the median (and best) per subject is reported.
// Then: an app with 20 module processes, time until all are ready, and the
// memory of every host.
// Run after `npx nx run-many -t build`: node tools/bench/run.mjs process
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { rawClient, startRawServer, stopChild } from './lib/raw-unix-echo.mjs';

const require = createRequire(import.meta.url);

const WARMUP = Number(process.env.BENCH_WARMUP ?? 2_000);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 5_000);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SCALE = Number(process.env.BENCH_MODULES ?? 20);
const IN_FLIGHT = 64;
const BUDGET_THROUGHPUT = 0.8;
const BUDGET_P50 = 1.2;
const PAYLOAD = { text: 'hello', n: 42, list: [1, 2, 3] };
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

// The bench process is an identity of its own ("bench"), with a pinned key it
// proves in the channel handshake, as a module host proves its own.
const {
  channelIdentityFrom,
  createChannelIdentity,
  withChannelAuth,
} = require('@tessera/transport');
const benchKey = createChannelIdentity().secret;
const benchTransport = (app) =>
  withChannelAuth(
    app.container.resolve(require('@tessera/transport').TRANSPORT_REGISTRY).create({ kind: 'ipc' }),
    {
      identity: channelIdentityFrom(benchKey),
      owns: true,
    },
  );

// ---- measurement -----------------------------------------------------------

async function sequential(call) {
  for (let i = 0; i < WARMUP; i++) await call(PAYLOAD);
  const times = new Float64Array(SEQUENTIAL);
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = process.hrtime.bigint();
    await call(PAYLOAD);
    times[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  times.sort();
  return { p50: times[Math.floor(SEQUENTIAL * 0.5)], p99: times[Math.floor(SEQUENTIAL * 0.99)] };
}

async function throughput(call) {
  let issued = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (issued < PARALLEL) {
      issued++;
      await call(PAYLOAD);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return PARALLEL / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** relay.loop runs inside the relay process: the module-to-module path (SDK client, cached token). */
async function relayRound(relay, token) {
  const opts = { token, timeoutMs: 600_000 };
  await relay.call('loop', [WARMUP, 1, PAYLOAD], opts);
  const seq = await relay.call('loop', [SEQUENTIAL, 1, PAYLOAD], opts);
  const par = await relay.call('loop', [PARALLEL, IN_FLIGHT, PAYLOAD], opts);
  return {
    p50: seq.p50Ns / 1_000,
    p99: seq.p99Ns / 1_000,
    throughput: PARALLEL / (par.elapsedNs / 1e9),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summarize = (rounds) => ({
  p50: median(rounds.map((r) => r.p50)),
  p50Best: Math.min(...rounds.map((r) => r.p50)),
  p99: median(rounds.map((r) => r.p99)),
  throughput: median(rounds.map((r) => r.throughput)),
  throughputBest: Math.max(...rounds.map((r) => r.throughput)),
});
const mb = (bytes) => (bytes / 1_048_576).toFixed(1);
const int = (n) => Math.round(n).toLocaleString('en-US');

// ---- part 1 and 2: latency and throughput ----------------------------------

async function callBench(dir, cleanups) {
  const { createTessera, CORE_MODULE_METHODS } = require('@tessera/core');
  const { StaticPolicyEngine } = require('@tessera/policy/testing');
  const { RpcPeer } = require('@tessera/transport');

  const raw = await startRawServer(dir);
  cleanups.push(() => stopChild(raw.child));
  const rc = await rawClient(raw.address);
  cleanups.push(() => rc.close());

  const policy = new StaticPolicyEngine([
    ...['echo', 'relay'].map((caller) => ({
      caller,
      target: 'core',
      methods: [...CORE_MODULE_METHODS],
    })),
    { caller: 'relay', target: 'echo', methods: ['echo'] },
    { caller: 'bench', target: 'echo', methods: ['echo'] },
    { caller: 'bench', target: 'relay', methods: ['loop'] },
  ]);
  const app = await createTessera({
    isolation: 'process',
    transport: { kind: 'ipc' },
    policy,
    identities: [{ name: 'bench', provides: {}, requires: [] }],
    identityKeys: { bench: benchKey },
  });
  cleanups.push(() => app.close());
  const entry = (pkg, name, extra = {}) => ({
    packageName: pkg,
    entryPath: require.resolve(pkg),
    manifest: { name, ...extra },
  });
  await app.core.load([
    entry('@tessera-test/echo', 'echo'),
    entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
  ]);

  const transport = benchTransport(app);
  cleanups.push(() => transport.close());
  const dial = async (name) => {
    const peer = new RpcPeer(await transport.connect(app.core.module(name).address));
    cleanups.push(() => peer.close());
    return peer;
  };
  const echoToken = (await app.core.issueToken('bench', 'echo', [])).token;
  const relayToken = (await app.core.issueToken('bench', 'relay', [])).token; // before dialing: the handshake admits only keys holding a grant
  const echo = await dial('echo');
  const relay = await dial('relay');
  const callOpts = { token: echoToken };
  const tessera = (v) => echo.call('echo', [v], callOpts);

  // Sanity: the grant is real and checked (a wrong token is refused before the module).
  if (JSON.stringify(await tessera(PAYLOAD)) !== JSON.stringify(PAYLOAD))
    throw new Error('echo returned something else');
  const refused = await echo.call('echo', [1], { token: 'x'.repeat(43) }).then(
    () => 'RESOLVED',
    (e) => e.code,
  );
  if (refused === 'RESOLVED') throw new Error('a forged token was accepted');

  const results = { raw: [], tessera: [], relay: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, call] of [
      ['raw', rc.call],
      ['tessera', tessera],
    ]) {
      const seq = await sequential(call);
      const tput = await throughput(call);
      results[name].push({ ...seq, throughput: tput });
    }
    results.relay.push(await relayRound(relay, relayToken));
  }
  const pids = {
    echo: app.core.module('echo').host.pid,
    relay: app.core.module('relay').host.pid,
    raw: raw.child.pid,
  };
  return {
    raw: summarize(results.raw),
    tessera: summarize(results.tessera),
    relay: summarize(results.relay),
    pids,
    refused,
  };
}

// ---- part 3: 20 module processes -------------------------------------------

async function scaleBench(cleanups) {
  const { createTessera, CORE_MODULE_METHODS } = require('@tessera/core');
  const { StaticPolicyEngine } = require('@tessera/policy/testing');
  const { RpcPeer } = require('@tessera/transport');

  // Tiny CommonJS modules in the repo's git-ignored .tessera/ so '@tessera/sdk' resolves from node_modules.
  const modDir = join(repoRoot, '.tessera', `bench-process-${process.pid}`);
  mkdirSync(modDir, { recursive: true });
  cleanups.push(() => rmSync(modDir, { recursive: true, force: true }));
  const names = Array.from({ length: SCALE }, (_, i) => `m${i}`);
  const entries = names.map((name) => {
    const entryPath = join(modDir, `${name}.js`);
    writeFileSync(
      entryPath,
      `const { defineModule } = require('@tessera/sdk');\nmodule.exports = defineModule({ name: '${name}', create: () => ({ ping: () => 'pong' }) });\n`,
    );
    return { manifest: { name }, entryPath };
  });
  const policy = new StaticPolicyEngine([
    ...names.map((caller) => ({ caller, target: 'core', methods: [...CORE_MODULE_METHODS] })),
    ...names.map((target) => ({ caller: 'bench', target, methods: ['ping'] })),
  ]);
  const heartbeatMs = 500;
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const app = await createTessera({
    isolation: 'process',
    transport: { kind: 'ipc' },
    policy,
    heartbeatMs,
    identities: [{ name: 'bench', provides: {}, requires: [] }],
    identityKeys: { bench: benchKey },
  });
  cleanups.push(() => app.close());
  await app.core.load(entries);
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6;

  // Every module answers an authenticated call: loaded and ready, not just forked.
  const transport = benchTransport(app);
  cleanups.push(() => transport.close());
  const t1 = process.hrtime.bigint();
  const answers = await Promise.all(
    names.map(async (name) => {
      const { token } = await app.core.issueToken('bench', name, []);
      const peer = new RpcPeer(await transport.connect(app.core.module(name).address));
      try {
        return await peer.call('ping', [], { token });
      } finally {
        await peer.close();
      }
    }),
  );
  const pingMs = Number(process.hrtime.bigint() - t1) / 1e6;
  if (!answers.every((a) => a === 'pong')) throw new Error('a module did not answer ping');

  // Let every host send a couple of heartbeats after settling.
  await new Promise((r) => setTimeout(r, heartbeatMs * 3));
  const stats = app.core.stats();
  if (stats.length !== SCALE || !stats.every((s) => s.state === 'ready' && s.rssBytes > 0))
    throw new Error('not every host reported stats');
  const closeStarted = process.hrtime.bigint();
  const pids = stats.map((s) => s.pid);
  await app.close();
  const closeMs = Number(process.hrtime.bigint() - closeStarted) / 1e6;
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  return { stats, readyMs, pingMs, closeMs, alive, core: process.memoryUsage(), rssBefore };
}

// ---- report ----------------------------------------------------------------

function callTable({ raw, tessera, relay, pids, refused }) {
  console.log(
    `authenticated call over IPC (process isolation) vs raw Unix-socket msgpackr echo; ${ROUNDS} alternating rounds, ` +
      `each ${SEQUENTIAL.toLocaleString('en-US')} sequential calls after ${WARMUP.toLocaleString('en-US')} warm-up (p50/p99 µs) ` +
      `and ${PARALLEL.toLocaleString('en-US')} calls with ${IN_FLIGHT} in flight (calls/s); median of rounds, best in brackets`,
  );
  console.log(
    `pids: bench ${process.pid}, raw server ${pids.raw}, echo host ${pids.echo}, relay host ${pids.relay}; forged token refused with ${refused}`,
  );
  const row = (subject, s) => ({
    subject,
    'p50 µs': `${s.p50.toFixed(1)} (${s.p50Best.toFixed(1)})`,
    'p99 µs': s.p99.toFixed(1),
    'calls/s': `${int(s.throughput)} (${int(s.throughputBest)})`,
    'p50 ratio': (s.p50 / raw.p50).toFixed(2),
    'tput ratio': (s.throughput / raw.throughput).toFixed(2),
  });
  console.table([
    row('raw msgpackr echo', raw),
    row('tessera bench -> echo', tessera),
    row('tessera relay -> echo (SDK)', relay),
  ]);
  const verdict = (s) => {
    const tput = s.throughput / raw.throughput;
    const lat = s.p50 / raw.p50;
    const tputBest = s.throughputBest / raw.throughputBest;
    const latBest = s.p50Best / raw.p50Best;
    return [
      {
        budget: `throughput >= ${BUDGET_THROUGHPUT} x raw`,
        median: tput.toFixed(2),
        best: tputBest.toFixed(2),
        met: tput >= BUDGET_THROUGHPUT ? 'yes' : 'NO',
      },
      {
        budget: `p50 <= ${BUDGET_P50} x raw`,
        median: lat.toFixed(2),
        best: latBest.toFixed(2),
        met: lat <= BUDGET_P50 ? 'yes' : 'NO',
      },
    ];
  };
  console.log(
    "budgets, authenticated call bench -> echo (the issue's requirement; judged on the medians):",
  );
  console.table(verdict(tessera));
  console.log('same budgets applied to module -> module (relay -> echo), for reference:');
  console.table(verdict(relay));
}

function scaleTable({ stats, readyMs, pingMs, closeMs, alive, core, rssBefore }) {
  console.log(
    `\n${SCALE} module processes: all loaded and ready in ${readyMs.toFixed(0)} ms (${(readyMs / SCALE).toFixed(0)} ms per module on average; independent modules start together), ` +
      `every one answered an authenticated ping in ${pingMs.toFixed(0)} ms; memory from each host's heartbeat`,
  );
  console.table(
    stats.map((s) => ({
      module: s.name,
      pid: s.pid,
      state: s.state,
      'RSS MB': mb(s.rssBytes),
      'heap used MB': mb(s.heapUsedBytes),
    })),
  );
  const totalRss = stats.reduce((a, s) => a + s.rssBytes, 0);
  const totalHeap = stats.reduce((a, s) => a + s.heapUsedBytes, 0);
  const rss = stats.map((s) => s.rssBytes).sort((a, b) => a - b);
  console.table([
    { what: `hosts total (${SCALE})`, 'RSS MB': mb(totalRss), 'heap used MB': mb(totalHeap) },
    {
      what: 'per host: mean',
      'RSS MB': mb(totalRss / SCALE),
      'heap used MB': mb(totalHeap / SCALE),
    },
    {
      what: 'per host: min / max',
      'RSS MB': `${mb(rss[0])} / ${mb(rss[rss.length - 1])}`,
      'heap used MB': '',
    },
    {
      what: 'core process (bench; includes part 1)',
      'RSS MB': mb(core.rss),
      'heap used MB': mb(core.heapUsed),
    },
    { what: 'core process RSS before this app', 'RSS MB': mb(rssBefore), 'heap used MB': '' },
    { what: 'hosts + core', 'RSS MB': mb(totalRss + core.rss), 'heap used MB': '' },
  ]);
  console.log(
    `app.close() stopped all ${SCALE} hosts in ${closeMs.toFixed(0)} ms; still alive afterwards: ${alive.length === 0 ? 'none' : alive.join(', ')}`,
  );
}

async function main() {
  require('reflect-metadata');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-process-'));
  const cleanups = [];
  const runCleanups = async () => {
    for (const c of cleanups.splice(0).reverse())
      await Promise.resolve()
        .then(c)
        .catch(() => undefined);
  };
  let failed = false;
  try {
    const calls = await callBench(dir, cleanups);
    await runCleanups();
    callTable(calls);
    const scale = await scaleBench(cleanups);
    await runCleanups();
    scaleTable(scale);
    if (scale.alive.length > 0) failed = true;
  } catch (err) {
    failed = true;
    console.error(err);
  } finally {
    await runCleanups();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

await main();
