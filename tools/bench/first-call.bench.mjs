#!/usr/bin/env node
// Time to first call, module -> module, with process isolation.
//   subject:   relay's very first echo.echo through its SDK client, timed
//              inside relay by relay.firstEcho(): requestModule to the core
//              (policy decision, token issued and announced to echo), the
//              connection to echo's endpoint, and the call itself.
//   baseline:  the second, warm call right after it (cached token, open
//              connection), in the same relay process.
// Every round starts a fresh app (echo + relay, each in its own host process)
// so each first call is really the first; rounds alternate the carriers (ipc,
// zeromq). Reports p50, p90 and p99 (nearest rank: with 15 rounds, the
// slowest) of the cold call, p50 and p99 of the warm call and the ratio
// cold/warm (of the medians).
// Run after `npx nx run-many -t build`: node tools/bench/run.mjs first-call
//   BENCH_FIRST_ROUNDS (default 15), BENCH_FIRST_KINDS (default ipc,zeromq)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const ROUNDS = Number(process.env.BENCH_FIRST_ROUNDS ?? 15);
const KINDS = (process.env.BENCH_FIRST_KINDS ?? 'ipc,zeromq')
  .split(',')
  .map((k) => k.trim())
  .filter(Boolean);
const PAYLOAD = { text: 'hello', n: 42, list: [1, 2, 3] };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};
const us = (ns) => (ns / 1_000).toFixed(1);
const ms = (ns) => (ns / 1e6).toFixed(2);

/** One fresh app on `kind`: load echo + relay, then relay.firstEcho as the operator. */
async function round(kind) {
  const { createTessera, CORE_MODULE_METHODS } = require('@tessera/core');
  const { StaticPolicyEngine } = require('@tessera/policy/testing');

  const policy = new StaticPolicyEngine([
    ...['echo', 'relay'].map((caller) => ({
      caller,
      target: 'core',
      methods: [...CORE_MODULE_METHODS],
    })),
    { caller: 'relay', target: 'echo', methods: ['echo'] },
    { caller: 'operator', target: 'relay', methods: ['firstEcho'] },
  ]);
  const started = process.hrtime.bigint();
  const app = await createTessera({
    isolation: 'process',
    transport: { kind },
    policy,
    identities: [{ name: 'operator', provides: {}, requires: [] }],
  });
  try {
    const entry = (pkg, name, extra = {}) => ({
      packageName: pkg,
      entryPath: require.resolve(pkg),
      manifest: { name, ...extra },
    });
    await app.core.load([
      entry('@tessera-test/echo', 'echo'),
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
    ]);
    const readyNs = Number(process.hrtime.bigint() - started);
    const r = await app.core.operatorCall('relay', 'firstEcho', [PAYLOAD]);
    if (!(r?.coldNs > 0 && r?.warmNs > 0))
      throw new Error(`firstEcho answered ${JSON.stringify(r)}`);
    return { coldNs: r.coldNs, warmNs: r.warmNs, readyNs };
  } finally {
    await app.close();
  }
}

async function main() {
  require('reflect-metadata');
  const results = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const kind of KINDS) results[kind].push(await round(kind));

  console.log(
    `time to first call, relay -> echo through the SDK client, process isolation; ${ROUNDS} rounds per carrier, ` +
      'a fresh app (2 module processes) per round, timed inside relay. cold = first call (requestModule + connect + call), ' +
      'warm = the next call (baseline)',
  );
  const rows = KINDS.map((kind) => {
    const cold = results[kind].map((x) => x.coldNs);
    const warm = results[kind].map((x) => x.warmNs);
    const ready = results[kind].map((x) => x.readyNs);
    return {
      carrier: kind,
      'cold p50 µs': us(median(cold)),
      'cold p90 µs': us(percentile(cold, 0.9)),
      'cold p99 µs': us(percentile(cold, 0.99)),
      'cold min µs': us(Math.min(...cold)),
      'warm p50 µs': us(median(warm)),
      'warm p99 µs': us(percentile(warm, 0.99)),
      'cold/warm (p50)': (median(cold) / median(warm)).toFixed(1),
      'app ready p50 ms': ms(median(ready)),
    };
  });
  console.table(rows);
}

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  console.error(err);
}
process.exit(failed ? 1 : 0);
