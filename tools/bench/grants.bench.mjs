#!/usr/bin/env node
// Token check cost against the number of live grants a target holds: 10,
// 1,000, 10,000 and 100,000 grants, each check through the door's own code
// (ModuleProxy.invoke: TokenManager lookup by token id, constant-time secret
// compare, expiry, caller, scope, then dispatch). Two paths: a token seen
// first on a connection (full verify), and the per-connection cached grant
// re-checked on every later call (still the stored grant, unexpired, in
// scope). The callers presenting tokens are the same ten (spread over
// the store) at every size: what varies is how many grants the target
// holds, not how many callers are busy. Sizes alternate within each round;
// ratios are taken within a round, and their median is judged.
// Budget (issue 16): flat, i.e. at 100,000 grants within 1.25x of 10.
//   npm run bench -- grants      BENCH_ROUNDS (15)
import { createRequire } from 'node:module';
import { median } from './lib/measure.mjs';

const require = createRequire(import.meta.url);
const { ModuleProxy } = require('@tessera/proxy');
const { TokenManager, mintToken } = require('@tessera/token-manager');

const SIZES = [10, 1_000, 10_000, 100_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const CHECKS = 100_000;
const ACTIVE = 10;
const BUDGET = 1.25;
const spec = { methods: [{ name: 'get', params: ['key'] }], events: [] };

/** A target with `n` live grants, `n` callers, and the tokens to present. */
function target(n) {
  const tokens = new TokenManager('kv');
  const expiresAt = Date.now() + 3_600_000;
  const presented = [];
  for (let i = 0; i < n; i++) {
    const token = mintToken();
    tokens.addGrant(token, { caller: `m${i}`, methods: ['get'], expiresAt, generation: 1 });
    presented.push({ token, caller: `m${i}` });
  }
  const proxy = new ModuleProxy('kv', { get: (key) => key }, spec, tokens);
  // The same number of busy callers at every size, spread over the whole store, in turn.
  const sample = Array.from({ length: ACTIVE }, (_, i) => presented[(i * 7919) % n]);
  return { proxy, sample, caches: sample.map(() => ({})) };
}

function verifyNs({ proxy, sample }) {
  const args = ['k'];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CHECKS; i++) {
    const p = sample[i % ACTIVE];
    proxy.invoke(p.token, p.caller, 'get', args);
  }
  return Number(process.hrtime.bigint() - t0) / CHECKS;
}

function cachedNs({ proxy, sample, caches }) {
  const args = ['k'];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CHECKS; i++) {
    const p = sample[i % ACTIVE];
    proxy.invoke(p.token, p.caller, 'get', args, undefined, caches[i % ACTIVE]);
  }
  return Number(process.hrtime.bigint() - t0) / CHECKS;
}

const targets = SIZES.map(target);
for (const t of targets) {
  verifyNs(t);
  cachedNs(t);
}
const results = SIZES.map(() => ({ verify: [], cached: [] }));
for (let r = 0; r < ROUNDS; r++)
  for (let i = 0; i < SIZES.length; i++) {
    const k = (i + r) % SIZES.length; // rotate the order
    results[k].verify.push(verifyNs(targets[k]));
    results[k].cached.push(cachedNs(targets[k]));
  }
console.log(
  `token check through ModuleProxy.invoke, ${CHECKS.toLocaleString('en-US')} checks per size per round from ${ACTIVE} callers spread across the store, ${ROUNDS} rounds, medians`,
);
const base = results[0];
/** Median over rounds of (size i / 10 grants) in the same round. */
const ratio = (i, path) => median(results[i][path].map((x, r) => x / base[path][r]));
console.table(
  SIZES.map((n, i) => ({
    'live grants': n.toLocaleString('en-US'),
    'first on a connection ns': median(results[i].verify).toFixed(0),
    'cached, later calls ns': median(results[i].cached).toFixed(0),
    'ratio vs 10 (first)': ratio(i, 'verify').toFixed(2),
    'ratio vs 10 (cached)': ratio(i, 'cached').toFixed(2),
  })),
);
const last = SIZES.length - 1;
const worst = Math.max(ratio(last, 'verify'), ratio(last, 'cached'));
console.log(
  `flat from 10 to ${SIZES[last].toLocaleString('en-US')} grants (<= ${BUDGET}x, median of per-round ratios): ${worst.toFixed(2)}x ${worst <= BUDGET ? 'PASS' : 'FAIL'}`,
);
process.exitCode = worst <= BUDGET ? 0 : 1;
