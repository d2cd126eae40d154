#!/usr/bin/env node
// The dashboard's cost to the app's calls, with nobody watching and with a
// page watching, against no dashboard at all, measured in the same run.
//   app:      the demo's policy (policies/build) with the echo and relay test
//             modules, each in its own process over ipc, started by startApp
//             in this process (the core and its operator socket live here).
//   calls:    module -> module: relay.loop() times relay's calls to echo
//             through its SDK client, inside relay; operator -> module:
//             echo.echo through the core's relay, from an operator session.
//   subjects: none (no dashboard), idle (startDashboard attached, one
//             browser login holding its operator session, no page open),
//             watched (the same with /api/events open: grant, approval and
//             security events plus 2 s samples stream to it).
// Rounds rotate none/idle/watched; the median per subject is reported with
// its ratio to none. Budget: idle within 10 % of none on both sequential
// p50s (throughput with 64 in flight is shown too, but on a shared 2-core
// machine it swings by more than that between identical rounds).
// Run after `npx nx run-many -t build`: node tools/bench/run.mjs dashboard
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const { fetch, AbortController } = globalThis;

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 3_000);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 30_000);
const OPERATOR_CALLS = Number(process.env.BENCH_OPERATOR_CALLS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const IN_FLIGHT = 64;
const BUDGET = 1.1;
const PAYLOAD = { text: 'hello', n: 42, list: [1, 2, 3] };

const { startApp } = require('@tessera/core');
const { OperatorSession } = require('@tessera/cli');
const { startDashboard } = require('@tessera/dashboard');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function moduleCalls(session) {
  await session.callModule('relay', 'loop', [1_000, 1, PAYLOAD]);
  const seq = await session.callModule('relay', 'loop', [SEQUENTIAL, 1, PAYLOAD]);
  const par = await session.callModule('relay', 'loop', [PARALLEL, IN_FLIGHT, PAYLOAD]);
  return { p50: seq.p50Ns / 1_000, throughput: PARALLEL / (par.elapsedNs / 1e9) };
}

async function operatorCalls(session) {
  const times = new Float64Array(OPERATOR_CALLS);
  for (let i = 0; i < OPERATOR_CALLS; i++) {
    const t0 = process.hrtime.bigint();
    await session.callModule('echo', 'echo', [PAYLOAD]);
    times[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  times.sort();
  return { p50: times[Math.floor(OPERATOR_CALLS / 2)] };
}

/** Attach a dashboard and log one browser in; `watch` also opens the live stream. */
async function attach(configFile, watch) {
  const server = await startDashboard({
    openSession: () => OperatorSession.forConfig(configFile, configFile),
  });
  const login = await fetch(server.loginUrl, { redirect: 'manual' });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  // The page key: the session's second secret, in the login redirect's fragment.
  const key = (login.headers.get('location') ?? '').replace(/^\/#k=/, '');
  if (login.status !== 303 || !cookie) throw new Error(`dashboard login failed: ${login.status}`);
  let stream;
  if (watch) {
    const ac = new AbortController();
    const res = await fetch(`${server.url}/api/events`, {
      headers: { cookie, 'x-tessera-key': key },
      signal: ac.signal,
    });
    if (res.status !== 200) throw new Error(`the live stream was refused: ${res.status}`);
    const reader = res.body.getReader();
    const first = await reader.read(); // the stream is open once 'ready' arrives
    if (first.done) throw new Error('the live stream closed at once');
    const drain = (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    })();
    stream = { ac, drain };
  }
  return async () => {
    if (stream) {
      stream.ac.abort();
      await stream.drain;
    }
    await server.close();
  };
}

async function main() {
  const dir = mkdtempSync(join(repoRoot, 'tools/bench/.dashboard-bench-'));
  const configFile = join(dir, 'tessera.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      modules: ['@tessera-test/echo', '@tessera-test/relay'],
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy: { bundle: relative(dir, join(repoRoot, 'policies/build')) },
      audit: { kind: 'none' },
    }),
  );
  const app = await startApp(configFile, { policyLogger: { info() {}, warn() {}, error() {} } });
  const session = await OperatorSession.forConfig(configFile, configFile);
  const results = { none: [], idle: [], watched: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = ['none', 'idle', 'watched'];
      for (let i = 0; i < round % 3; i++) order.push(order.shift());
      for (const subject of order) {
        const detach =
          subject === 'none' ? async () => {} : await attach(configFile, subject === 'watched');
        try {
          const m = await moduleCalls(session);
          const o = await operatorCalls(session);
          results[subject].push({ ...m, operatorP50: o.p50 });
        } finally {
          await detach();
        }
      }
    }
  } finally {
    await session.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const sum = (k) => ({
    p50: median(results[k].map((r) => r.p50)),
    throughput: median(results[k].map((r) => r.throughput)),
    operatorP50: median(results[k].map((r) => r.operatorP50)),
  });
  const none = sum('none');
  const rows = ['none', 'idle', 'watched'].map((k) => [k, sum(k)]);
  console.log(
    `dashboard: ${ROUNDS} rounds, module→module ${SEQUENTIAL} sequential + ${PARALLEL} with ${IN_FLIGHT} in flight, ${OPERATOR_CALLS} operator calls through the core`,
  );
  console.log('subject   m→m p50 µs  (×none)   m→m calls/s  (×none)   operator p50 µs  (×none)');
  for (const [k, s] of rows) {
    console.log(
      `${k.padEnd(9)} ${s.p50.toFixed(1).padStart(10)}  (${(s.p50 / none.p50).toFixed(3)})  ${Math.round(s.throughput).toLocaleString('en-US').padStart(12)}  (${(s.throughput / none.throughput).toFixed(3)})  ${s.operatorP50.toFixed(1).padStart(15)}  (${(s.operatorP50 / none.operatorP50).toFixed(3)})`,
    );
  }
  const idle = sum('idle');
  const ok = idle.p50 / none.p50 <= BUDGET && idle.operatorP50 / none.operatorP50 <= BUDGET;
  console.log(
    `${ok ? '✓' : '✗'} idle dashboard within ${Math.round((BUDGET - 1) * 100)} % of none on the module→module and operator p50`,
  );
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
