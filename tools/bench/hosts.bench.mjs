#!/usr/bin/env node
// Scale: N module hosts (default 50), each in its own sandboxed process over
// ipc. Time from createTessera to every host ready and answering an
// authenticated call, and the memory of each host from its heartbeat.
// Budgets (issue 16): 50 hosts ready in <= 3 s, RSS per host <= 40 MB (mean).
//   npm run bench -- hosts      BENCH_HOSTS (50), BENCH_HOST_ROUNDS (3)
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { median } from './lib/measure.mjs';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { createTessera, CORE_MODULE_METHODS } = require('@tessera/core');
const { StaticPolicyEngine } = require('@tessera/policy/testing');
const {
  RpcPeer,
  TRANSPORT_REGISTRY,
  channelIdentityFrom,
  createChannelIdentity,
  withChannelAuth,
} = require('@tessera/transport');

const HOSTS = Number(process.env.BENCH_HOSTS ?? 50);
const ROUNDS = Number(process.env.BENCH_HOST_ROUNDS ?? 3);
const READY_BUDGET_MS = 3_000;
const RSS_BUDGET_MB = 40;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mb = (b) => b / 1_048_576;

/**
 * What a host's RSS is made of (Linux): the node process's resident pages
 * from /proc/<pid>/smaps_rollup, as private (its own), shared file pages
 * (the node binary and libraries, the same physical pages in every host)
 * and PSS (its fair share). `pid` may be bubblewrap's: the node process is
 * its descendant.
 */
function memoryOf(pid) {
  const kids = (p) => {
    const f = `/proc/${p}/task/${p}/children`;
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split(' ').filter(Boolean) : [];
  };
  let node = String(pid);
  for (let i = 0; i < 3 && !/node/.test(readFileSync(`/proc/${node}/comm`, 'utf8')); i++)
    node = kids(node)[0] ?? node;
  const rollup = readFileSync(`/proc/${node}/smaps_rollup`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return {
    rss: kb('Rss') * 1024,
    pss: kb('Pss') * 1024,
    private: (kb('Private_Clean') + kb('Private_Dirty')) * 1024,
    sharedFile: kb('Shared_Clean') * 1024,
  };
}

async function round(entries, names) {
  const benchKey = createChannelIdentity().secret;
  const policy = new StaticPolicyEngine([
    ...names.map((caller) => ({ caller, target: 'core', methods: [...CORE_MODULE_METHODS] })),
    ...names.map((target) => ({ caller: 'bench', target, methods: ['ping'] })),
  ]);
  const heartbeatMs = 500;
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const app = await createTessera({
    isolation: 'process',
    transport: { kind: 'ipc' },
    policy,
    heartbeatMs,
    identities: [{ name: 'bench', provides: {}, requires: [] }],
    identityKeys: { bench: benchKey },
  });
  try {
    await app.core.load(entries);
    const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    const coreCpuMs = (cpu.user + cpu.system) / 1000;
    const transport = withChannelAuth(
      app.container.resolve(TRANSPORT_REGISTRY).create({ kind: 'ipc' }),
      { identity: channelIdentityFrom(benchKey), owns: true },
    );
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
    const answeredMs = Number(process.hrtime.bigint() - started) / 1e6;
    await transport.close();
    if (!answers.every((a) => a === 'pong')) throw new Error('a host did not answer');
    await new Promise((r) => setTimeout(r, heartbeatMs * 4)); // settled heartbeats
    const stats = app.core.stats();
    if (stats.length !== names.length || !stats.every((s) => s.rssBytes > 0))
      throw new Error('not every host reported its memory');
    const linux = process.platform === 'linux';
    return {
      readyMs,
      answeredMs,
      coreCpuMsPerHost: coreCpuMs / names.length,
      hostCpuMs: stats.map((s) => s.cpuTimeMs),
      rss: stats.map((s) => s.rssBytes),
      heap: stats.map((s) => s.heapUsedBytes),
      parts: linux ? stats.map((s) => memoryOf(s.pid)) : [],
    };
  } finally {
    await app.close();
  }
}

/**
 * The floor under both budgets: an empty node process with the hosts' V8
 * flags, its CPU to start (process.cpuUsage at its end) and its RSS.
 */
function emptyNode(runs) {
  const script =
    'const c = process.cpuUsage(); console.log(JSON.stringify({ cpu: (c.user + c.system) / 1000, rss: process.memoryUsage().rss }))';
  const out = Array.from({ length: runs }, () =>
    JSON.parse(
      execFileSync(process.execPath, ['--max-semi-space-size=1', '-e', script], {
        encoding: 'utf8',
      }),
    ),
  );
  return { cpuMs: median(out.map((o) => o.cpu)), rss: median(out.map((o) => o.rss)) };
}

async function main() {
  // Tiny CommonJS modules in the repo's git-ignored .tessera/, so '@tessera/sdk' resolves.
  const modDir = join(repoRoot, '.tessera', `bench-hosts-${process.pid}`);
  mkdirSync(modDir, { recursive: true });
  try {
    const names = Array.from({ length: HOSTS }, (_, i) => `h${i}`);
    const entries = names.map((name) => {
      const entryPath = join(modDir, `${name}.js`);
      writeFileSync(
        entryPath,
        `const { defineModule } = require('@tessera/sdk');\nmodule.exports = defineModule({ name: '${name}', create: () => ({ ping: () => 'pong' }) });\n`,
      );
      return { manifest: { name }, entryPath };
    });
    const load = [loadavg()[0]];
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(await round(entries, names));
    load.push(loadavg()[0]);
    const floor = emptyNode(10);
    const ready = median(rounds.map((r) => r.readyMs));
    const answered = median(rounds.map((r) => r.answeredMs));
    const rss = rounds.flatMap((r) => r.rss);
    const heap = rounds.flatMap((r) => r.heap);
    const parts = rounds.flatMap((r) => r.parts);
    const meanRss = mb(rss.reduce((a, b) => a + b, 0) / rss.length);
    console.log(
      `${HOSTS} module hosts over ipc, sandboxed; ${ROUNDS} rounds (a fresh app each), medians; load average ${load.map((l) => l.toFixed(1)).join(' -> ')}`,
    );
    console.table([
      { what: 'all ready (createTessera -> load resolved)', value: `${ready.toFixed(0)} ms` },
      { what: 'all answered an authenticated call', value: `${answered.toFixed(0)} ms` },
      {
        what: 'core CPU per host, to ready (this process: plan, spawn, keys, handshake, policy)',
        value: `${median(rounds.map((r) => r.coreCpuMsPerHost)).toFixed(1)} ms`,
      },
      {
        what: 'host CPU per host, to ready and one call (its own process.cpuUsage): median',
        value: `${median(rounds.flatMap((r) => r.hostCpuMs)).toFixed(0)} ms`,
      },
      {
        what: 'floor: an empty node process (CPU to start, RSS), median of 10',
        value: `${floor.cpuMs.toFixed(0)} ms, ${mb(floor.rss).toFixed(1)} MB`,
      },
      { what: 'RSS per host: mean', value: `${meanRss.toFixed(1)} MB` },
      {
        what: 'RSS per host: median / max',
        value: `${mb(median(rss)).toFixed(1)} / ${mb(Math.max(...rss)).toFixed(1)} MB`,
      },
      { what: 'V8 heap used per host: median', value: `${mb(median(heap)).toFixed(1)} MB` },
      ...(parts.length > 0
        ? [
            {
              what: 'of the RSS: shared file pages (node binary, libraries)',
              value: `${mb(median(parts.map((p) => p.sharedFile))).toFixed(1)} MB`,
            },
            {
              what: 'of the RSS: private to the host',
              value: `${mb(median(parts.map((p) => p.private))).toFixed(1)} MB`,
            },
            {
              what: 'PSS per host (its fair share of physical memory)',
              value: `${mb(median(parts.map((p) => p.pss))).toFixed(1)} MB`,
            },
          ]
        : []),
    ]);
    const okReady = ready <= READY_BUDGET_MS;
    const okRss = meanRss <= RSS_BUDGET_MB;
    console.log(
      `budgets: ${HOSTS} ready in <= ${READY_BUDGET_MS} ms: ${okReady ? 'PASS' : 'FAIL'}; RSS per host <= ${RSS_BUDGET_MB} MB: ${okRss ? 'PASS' : 'FAIL'}`,
    );
    process.exitCode = okReady && okRss ? 0 : 1;
  } finally {
    rmSync(modDir, { recursive: true, force: true });
  }
}

await main();
process.exit(process.exitCode ?? 0);
