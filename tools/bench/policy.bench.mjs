#!/usr/bin/env node
// Policy engine bench: one OPA wasm evaluation (engine.decideNow: input check,
// wasm evaluate, decision check) against a plain JS function implementing the
// same rule, in the same run. Then 1,000,000 evaluations with heap/RSS before
// and after (run with --expose-gc, as tools/bench/run.mjs does). Then, in an
// in-process app (createTessera) on the same bundle: the p50/p99 of a whole
// capability.requestModule (decide, mint, inform the target and the caller)
// next to one engine.decide, and the proof that the policy is never asked on
// the per-call path (decisions counted across 100,000 authenticated calls).
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

// --- A whole requestModule in-process, and no policy on the per-call path ---
const load = createRequire(import.meta.url);
const { createTessera } = load(join(root, 'packages/core/dist/index.js'));
const { defineModule } = load(join(root, 'packages/sdk/dist/index.js'));

const REQUESTS = 2_000;
const CALLS = 100_000;
const CALL_BATCH = 10_000;

/** A PolicyEngine decorator that counts decisions; revision and reload notifications pass through. */
class CountingPolicyEngine {
  decisions = 0;
  constructor(inner) {
    this.inner = inner;
  }
  get revision() {
    return this.inner.revision;
  }
  decide(input) {
    this.decisions++;
    return this.inner.decide(input);
  }
  onChange(listener) {
    return this.inner.onChange(listener);
  }
  close() {
    return this.inner.close();
  }
}

let storeGets = 0;
const storeModule = defineModule({
  name: 'store',
  create: () => ({ get: (key) => (storeGets++, key) }),
});
/** Calls store.get `n` times through its SDK client (token requested once, then cached). */
const readerModule = defineModule({
  name: 'reader',
  create(ctx) {
    const store = ctx.client('store');
    return {
      async loop(n) {
        for (let i = 0; i < n; i++) await store.get('k');
        return n;
      },
    };
  },
});
const storeFacts = { 'kv-read': ['get'] };
const inner = (await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger })).engine;
const counting = new CountingPolicyEngine(inner);
const app = await createTessera({
  policy: counting,
  capability: { sweepIntervalMs: 0 },
  identities: [{ name: 'operator', provides: {}, requires: [] }],
  modules: [
    { manifest: { name: 'store', provides: storeFacts }, definition: storeModule },
    {
      manifest: {
        name: 'reader',
        dependencies: ['store'],
        requires: ['kv-read'],
        provides: { bench: ['loop'] },
      },
      definition: readerModule,
    },
  ],
});
const cap = app.core.capability;

// One engine.decide (async, as the capability module calls it) on the input it builds.
const readerInput = {
  subject: { name: 'reader', provides: { bench: ['loop'] }, requires: ['kv-read'] },
  target: { name: 'store', provides: storeFacts, requires: [] },
  methods: [],
  context: { time: new Date().toISOString(), purpose: 'request' },
};
async function timeAsync(n, warmup, fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = new Float64Array(n);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort();
  return {
    perSecond: n / seconds,
    p50: times[Math.floor(n * 0.5)],
    p99: times[Math.floor(n * 0.99)],
  };
}
const decideOne = await timeAsync(REQUESTS * 5, 2_000, () => inner.decide(readerInput));
const decisionsBeforeRequests = counting.decisions;
const requestOne = await timeAsync(REQUESTS, 200, () => cap.requestModule('reader', 'store'));
const decisionsPerRequest = (counting.decisions - decisionsBeforeRequests) / (REQUESTS + 200);

// The per-call path: after reader's first request, 100,000 calls reader -> store.
await app.core.operatorCall('reader', 'loop', [1]); // first request: operator -> reader, reader -> store
const decisionsBeforeCalls = counting.decisions;
const getsBefore = storeGets;
const callsStart = process.hrtime.bigint();
for (let done = 0; done < CALLS; done += CALL_BATCH)
  await app.core.operatorCall('reader', 'loop', [CALL_BATCH]);
const callSeconds = Number(process.hrtime.bigint() - callsStart) / 1e9;
const callsMade = storeGets - getsBefore;
const decisionsAfterCalls = counting.decisions;
// Control: the calls are checked at the store. Revoke reader's grant and the
// next call is refused, so reader's client requests again: one more decision.
await cap.release('reader', 'store', 'bench control');
await app.core.operatorCall('reader', 'loop', [1]);
const controlDecisions = counting.decisions - decisionsAfterCalls;
await app.close();
await inner.close();

const asyncRow = (name, r) => ({
  subject: name,
  'ops/s': Math.round(r.perSecond),
  'p50 µs': r.p50.toFixed(2),
  'p99 µs': r.p99.toFixed(2),
});
console.table([
  asyncRow('engine.decide (one decision)', decideOne),
  asyncRow('capability.requestModule in-process (whole)', requestOne),
]);
console.log(
  `ratio requestModule/decide: p50 ${(requestOne.p50 / decideOne.p50).toFixed(1)}x ` +
    `(decide + mint + inform target and caller + revoke the pair's previous grant); ` +
    `policy decisions per requestModule: ${decisionsPerRequest}`,
);
console.log(
  `per-call path: ${callsMade.toLocaleString('en')} authenticated calls reader -> store through ` +
    `reader's client (${Math.round(callsMade / callSeconds).toLocaleString('en')} calls/s, ` +
    `${CALLS / CALL_BATCH} operator calls to reader around them); policy decisions ` +
    `${decisionsBeforeCalls} -> ${decisionsAfterCalls}: ` +
    (decisionsAfterCalls === decisionsBeforeCalls ? 'unchanged' : 'CHANGED'),
);
console.log(
  `control: after revoking reader -> store, its next call re-requested a token: ` +
    `${controlDecisions} policy decision(s)`,
);

const failures = [];
if (callsMade !== CALLS) failures.push(`${callsMade} of ${CALLS} calls reached the store`);
if (decisionsAfterCalls !== decisionsBeforeCalls)
  failures.push(
    `the policy was asked ${decisionsAfterCalls - decisionsBeforeCalls} times on the per-call path`,
  );
if (controlDecisions !== 1)
  failures.push(`control: ${controlDecisions} decisions after a revocation, expected 1`);
if (decisionsPerRequest !== 1)
  failures.push(`${decisionsPerRequest} policy decisions per requestModule, expected 1`);
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
