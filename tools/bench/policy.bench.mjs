#!/usr/bin/env node
// Policy engine bench: one OPA wasm evaluation (engine.decideNow: input check,
// wasm evaluate, decision check) against a plain JS function implementing the
// same rule, in the same run. Then 1,000,000 evaluations with heap/RSS before
// and after (run with --expose-gc, as tools/bench/run.mjs does).
// Needs the built dist and bundle: `npm run build` (or nx run policies:build).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bundle = process.env.TESSERA_POLICY_BUNDLE ?? join(root, 'policies/build');
if (!existsSync(join(bundle, 'policy.wasm'))) {
  console.error(`no compiled policy at ${bundle}: run 'npx nx run policies:build' first`);
  process.exit(2);
}
const { OpaPolicyEngine, silentPolicyLogger } = createRequire(import.meta.url)(
  join(root, 'packages/policy/dist/index.js'),
);
const data = JSON.parse(readFileSync(join(bundle, 'data.json'), 'utf8')).tessera;

const BUDGET_P50_US = 50;
const SAMPLES = 50_000;
const SOAK = 1_000_000;
const HEAP_FLAT_BYTES = 8 * 1024 * 1024;

const facts = (name, provides, requires) => ({ name, provides, requires });
const storage = facts(
  'storage',
  { 'kv-read': ['get', 'list', 'event:changed'], 'kv-write': ['set'] },
  [],
);
const ctx = { time: new Date(0).toISOString(), purpose: 'request' };
const inputs = [
  { subject: facts('notes', {}, ['kv-read']), target: storage, methods: ['get'], context: ctx },
  {
    subject: facts('notes', {}, ['kv-read', 'kv-write']),
    target: storage,
    methods: [],
    context: ctx,
  },
  { subject: facts('mail', {}, ['smtp']), target: storage, methods: [], context: ctx },
];

/** Baseline: the capability rule of policies/ written as a plain JS function. */
function baseline(input) {
  const deny = (reason) => ({ allow: false, methods: [], ttlSeconds: 0, reason });
  const s = input.subject.name;
  const t = input.target.name;
  const hit = data.deny.find(
    (e) => (e.caller === '*' || e.caller === s) && (e.target === '*' || e.target === t),
  );
  if (hit) return deny(`denied by deny list: ${hit.caller} -> ${hit.target}`);
  const caps = input.subject.requires.filter((c) => input.target.provides[c]);
  if (caps.length === 0) return deny(`${s} does not require any capability ${t} provides`);
  const offered = new Set(caps.flatMap((c) => input.target.provides[c]));
  const methods = [...offered]
    .filter((m) => input.methods.length === 0 || input.methods.includes(m))
    .sort();
  if (methods.length === 0) return deny('none of the requested methods is granted');
  const ttlSeconds = data.ttl.per_target[t] ?? data.ttl.default_seconds;
  return {
    allow: true,
    methods,
    ttlSeconds,
    reason: `${s} requires ${caps.sort().join(', ')} provided by ${t}`,
  };
}

function measure(decide) {
  for (let i = 0; i < 20_000; i++) decide(inputs[i % 3]);
  const times = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    decide(inputs[i % 3]);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  times.sort();
  const n = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) decide(inputs[i % 3]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    perSecond: n / seconds,
    p50: times[Math.floor(SAMPLES * 0.5)],
    p99: times[Math.floor(SAMPLES * 0.99)],
  };
}

const gc = globalThis.gc ?? (() => undefined);
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

const { engine, outcome } = await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger });
if (!outcome.ok) {
  console.error(outcome.error.message);
  process.exit(1);
}
for (const input of inputs) {
  const a = engine.decideNow(input);
  const b = baseline(input);
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(`baseline disagrees: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

const opa = measure((i) => engine.decideNow(i));
const js = measure(baseline);

gc();
gc();
const before = process.memoryUsage();
const wasmBefore = engine.stats.memoryBytes;
for (let i = 0; i < SOAK; i++) engine.decideNow(inputs[i % 3]);
gc();
gc();
const after = process.memoryUsage();
const heapDelta = after.heapUsed - before.heapUsed;

const row = (name, r) => ({
  subject: name,
  'decisions/s': Math.round(r.perSecond),
  'p50 µs': r.p50.toFixed(2),
  'p99 µs': r.p99.toFixed(2),
});
console.table([row('opa wasm (engine.decideNow)', opa), row('baseline: plain JS rule', js)]);
console.log(
  `ratio opa/baseline: p50 ${(opa.p50 / js.p50).toFixed(1)}x, throughput ${(js.perSecond / opa.perSecond).toFixed(1)}x slower`,
);
console.table([
  { after: 'before', heapUsed: mb(before.heapUsed), rss: mb(before.rss), wasm: mb(wasmBefore) },
  {
    after: `${SOAK.toLocaleString('en')} evaluations`,
    heapUsed: mb(after.heapUsed),
    rss: mb(after.rss),
    wasm: mb(engine.stats.memoryBytes),
  },
  {
    after: 'delta',
    heapUsed: mb(heapDelta),
    rss: mb(after.rss - before.rss),
    wasm: mb(engine.stats.memoryBytes - wasmBefore),
  },
]);
console.log(
  `wasm instance rebuilds (memory budget): ${engine.stats.recycles}; gc exposed: ${globalThis.gc ? 'yes' : 'no (run with --expose-gc)'}`,
);
await engine.close();

const failures = [];
if (opa.p50 > BUDGET_P50_US)
  failures.push(`p50 ${opa.p50.toFixed(2)} µs is over the ${BUDGET_P50_US} µs budget`);
if (globalThis.gc && heapDelta > HEAP_FLAT_BYTES)
  failures.push(`heap grew by ${mb(heapDelta)} over ${SOAK} evaluations`);
console.log(
  failures.length
    ? `FAIL: ${failures.join('; ')}`
    : `OK: p50 within ${BUDGET_P50_US} µs, heap flat`,
);
process.exit(failures.length ? 1 : 0);
