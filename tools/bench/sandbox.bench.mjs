// Start-up cost of the host sandbox: 20 module hosts (independent, started
// together) unsandboxed, under the Node permission model, and under the
// permission model plus bubblewrap (the default where bwrap runs), in
// interleaved rounds of the same run. Budget: 20 sandboxed hosts in <= 2 s.
//   npm run bench -- sandbox
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { createTessera, CORE_MODULE_METHODS } = require('@tessera/core');
const { StaticPolicyEngine } = require('@tessera/policy/testing');

const HOSTS = Number(process.env.BENCH_MODULES ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUDGET_MS = 2000;
const SDK = require.resolve('@tessera/sdk');

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tessera-bench-sandbox-')));
const entries = Array.from({ length: HOSTS }, (_, i) => {
  const name = `bench-${i}`;
  const pkg = join(dir, name);
  mkdirSync(pkg);
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js', tessera: { name } }),
  );
  writeFileSync(
    join(pkg, 'index.js'),
    `module.exports = require(${JSON.stringify(SDK)}).defineModule({ name: '${name}', create: () => ({ ping: () => 'pong' }) });\n`,
  );
  return {
    manifest: { name },
    packageName: name,
    packageDir: pkg,
    entryPath: join(pkg, 'index.js'),
  };
});

async function startAll(sandbox) {
  const app = await createTessera({
    isolation: 'process',
    sandbox,
    policy: new StaticPolicyEngine(
      entries.map((e) => ({
        caller: e.manifest.name,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
    ),
    capability: { sweepIntervalMs: 0 },
  });
  try {
    const started = performance.now();
    await app.core.load(entries);
    return performance.now() - started;
  } finally {
    await app.close();
  }
}

const modes = [
  ['unsandboxed (baseline)', 'none'],
  ['node permission model', { node: true, bwrap: 'off' }],
  ['node + bwrap (auto, the default)', { node: true, bwrap: 'auto' }],
];
const quiet = console.warn;
console.warn = () => undefined; // the 'none' mode warns on every start
try {
  await startAll('none'); // warm the file cache and the bwrap probe
  await startAll({ node: true, bwrap: 'auto' });
  const runs = Object.fromEntries(modes.map(([label]) => [label, []]));
  for (let r = 0; r < ROUNDS; r++)
    for (const [label, mode] of modes) runs[label].push(await startAll(mode));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(runs[modes[0][0]]);
  console.log(`${HOSTS} hosts started together, median of ${ROUNDS} interleaved rounds`);
  console.table(
    modes.map(([label]) => ({
      mode: label,
      'median ms': Math.round(median(runs[label])),
      'ratio vs unsandboxed': (median(runs[label]) / base).toFixed(2),
    })),
  );
  const sandboxed = median(runs[modes[2][0]]);
  console.log(
    `budget: ${HOSTS} sandboxed hosts <= ${BUDGET_MS} ms: ${Math.round(sandboxed)} ms ${sandboxed <= BUDGET_MS ? 'OK' : 'OVER'}`,
  );
} finally {
  console.warn = quiet;
  rmSync(dir, { recursive: true, force: true });
}
