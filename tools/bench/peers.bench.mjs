#!/usr/bin/env node
// Tessera against its closest peer, Moleculer 0.14, and against raw floors,
// in one run with interleaved rounds (the order of subjects rotates every
// round, so machine load hits each alike; ratios are taken within a round,
// and the median of the rounds is judged against the budgets of issue 16).
//   in-process: plain `await` of a Map method (floor), Moleculer local
//               `broker.call`, Tessera inproc bench -> echo and relay -> echo
//               through the SDK, every Tessera call with its token checked.
//   sockets:    raw Unix-socket msgpackr echo (floor), raw per-message zeromq
//               (floor), Moleculer over its TCP transporter (JSON), Tessera
//               ipc and zeromq, bench -> echo host and relay -> echo host.
// Each with a tiny `{text, n, list}` and a 1 KiB payload: sequential p50/p99
// and throughput with 64 calls in flight.
//   npm run bench -- peers
//   BENCH_ROUNDS (5), BENCH_GROUPS (inproc,ipc,zeromq), BENCH_SCALE (1: call counts x)
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { median, sequential, throughput } from './lib/measure.mjs';
import { rawClient, startRawServer, stopChild } from './lib/raw-unix-echo.mjs';
import { rawZmqClient, startRawZmqServer } from './lib/raw-zmq-echo.mjs';
import { moleculerLocal, moleculerTcp } from './lib/peers/moleculer.mjs';
import { tesseraApp } from './lib/peers/tessera.mjs';
import { BUDGETS, CONTEXT } from './lib/peers/budgets.mjs';

const require = createRequire(import.meta.url);
const { Packr } = require('msgpackr');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GROUPS = (process.env.BENCH_GROUPS ?? 'inproc,ipc,zeromq').split(',');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const IN_FLIGHT = 64;
/** Calls per measurement: in-process subjects are ~10x faster than socket ones. */
const COUNTS = {
  memory: { seq: 20_000 * SCALE, tput: 200_000 * SCALE },
  socket: { seq: 2_000 * SCALE, tput: 20_000 * SCALE },
};

/** The tiny payload, and one of the same shape whose msgpack encoding is 1 KiB. */
function payloads() {
  const packr = new Packr({ useRecords: false });
  const tiny = { text: 'hello', n: 42, list: [1, 2, 3] };
  const bare = packr.pack({ ...tiny, text: '' }).length;
  const kib = { ...tiny, text: 'x'.repeat(1024 - bare - 2) }; // str16: a 3-byte header instead of 1
  if (packr.pack(kib).length !== 1024) throw new Error('1 KiB payload is not 1 KiB');
  return { tiny, '1KiB': kib };
}

/** A subject measured with `call(payload)` from this process. */
const byCall = (name, speed, call) => ({
  name,
  speed,
  warm: async (p) => {
    await sequential(call, p, COUNTS[speed].seq / 4);
    await throughput(call, p, COUNTS[speed].tput / 4, IN_FLIGHT);
  },
  measure: async (p) => {
    const { p50, p99 } = await sequential(call, p, COUNTS[speed].seq);
    return { p50, p99, tput: await throughput(call, p, COUNTS[speed].tput, IN_FLIGHT) };
  },
});

/** relay -> echo through relay's SDK client, timed inside relay. */
const byLoop = (name, speed, loop) => ({
  name,
  speed,
  warm: async (p) => {
    await loop(COUNTS[speed].seq / 4, 1, p);
    await loop(COUNTS[speed].tput / 4, IN_FLIGHT, p);
  },
  measure: async (p) => {
    const seq = await loop(COUNTS[speed].seq, 1, p);
    const par = await loop(COUNTS[speed].tput, IN_FLIGHT, p);
    return {
      p50: seq.p50Ns / 1_000,
      p99: seq.p99Ns / 1_000,
      tput: COUNTS[speed].tput / (par.elapsedNs / 1e9),
    };
  },
});

async function setUp(dir, cleanups) {
  const subjects = [];
  const add = async (open, make) => {
    const s = await open();
    cleanups.push(async () => {
      await s.close();
      if (s.child) await stopChild(s.child);
    });
    subjects.push(...make(s));
  };
  if (GROUPS.includes('inproc')) {
    const plain = new Map([['echo', async (x) => x]]);
    subjects.push(byCall('map await (floor)', 'memory', (p) => plain.get('echo')(p)));
    await add(moleculerLocal, (m) => [byCall('moleculer local', 'memory', m.call)]);
    await add(
      () => tesseraApp('inproc'),
      (t) => [
        byCall('tessera inproc bench->echo', 'memory', t.call),
        byLoop('tessera inproc relay->echo', 'memory', t.loop),
      ],
    );
  }
  if (GROUPS.includes('ipc') || GROUPS.includes('zeromq'))
    await add(moleculerTcp, (m) => [byCall('moleculer tcp', 'socket', m.call)]);
  if (GROUPS.includes('ipc')) {
    await add(
      async () => {
        const raw = await startRawServer(dir);
        const client = await rawClient(raw.address, true);
        return { ...client, child: raw.child };
      },
      (r) => [byCall('raw unix msgpackr (floor)', 'socket', r.call)],
    );
    await add(
      () => tesseraApp('ipc'),
      (t) => [
        byCall('tessera ipc bench->echo', 'socket', t.call),
        byLoop('tessera ipc relay->echo', 'socket', t.loop),
      ],
    );
  }
  if (GROUPS.includes('zeromq')) {
    await add(
      async () => {
        const raw = await startRawZmqServer(`ipc://${join(dir, 'raw-zmq.sock')}`);
        const client = await rawZmqClient(raw.address);
        return { ...client, child: raw.child };
      },
      (r) => [byCall('raw zeromq per message (floor)', 'socket', r.call)],
    );
    await add(
      () => tesseraApp('zeromq'),
      (t) => [
        byCall('tessera zeromq bench->echo', 'socket', t.call),
        byLoop('tessera zeromq relay->echo', 'socket', t.loop),
      ],
    );
  }
  return subjects;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-peers-'));
  const cleanups = [];
  const load = [loadavg()[0]];
  try {
    const subjects = await setUp(dir, cleanups);
    const sizes = payloads();
    /** results[payload][subject] = [{p50, p99, tput} per round] */
    const results = {};
    for (const [size, p] of Object.entries(sizes)) {
      results[size] = {};
      for (const s of subjects) {
        await s.warm(p);
        results[size][s.name] = [];
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = subjects.map((_, i) => subjects[(i + round) % subjects.length]);
      for (const [size, p] of Object.entries(sizes))
        for (const s of order) results[size][s.name].push(await s.measure(p));
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    load.push(loadavg()[0]);
    report(subjects, results, load);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(subjects, results, load) {
  const fmt = (n, d = 2) => (n >= 100 ? n.toFixed(0) : n.toFixed(d));
  console.log(
    `${ROUNDS} interleaved rounds, medians; throughput with ${IN_FLIGHT} in flight; ` +
      `in-process ${COUNTS.memory.seq} sequential + ${COUNTS.memory.tput} calls, sockets ${COUNTS.socket.seq} + ${COUNTS.socket.tput}; ` +
      `load average ${load.map((l) => l.toFixed(1)).join(' -> ')} on ${require('node:os').cpus().length} cores`,
  );
  const rows = [];
  for (const s of subjects) {
    const row = { subject: s.name };
    for (const size of Object.keys(results)) {
      const r = results[size][s.name];
      row[`${size} p50 µs`] = fmt(median(r.map((x) => x.p50)));
      row[`${size} p99 µs`] = fmt(median(r.map((x) => x.p99)));
      row[`${size} calls/s`] = Math.round(median(r.map((x) => x.tput))).toLocaleString('en-US');
    }
    rows.push(row);
  }
  console.table(rows);
  const verdicts = [];
  for (const b of BUDGETS) {
    for (const c of compare(results, b)) {
      const ok = b.max !== undefined ? c.median <= b.max : c.median >= b.min;
      verdicts.push({
        subject: b.subject,
        against: b.against,
        payload: c.size,
        metric: c.metric,
        budget: b.max !== undefined ? `<= ${b.max}x` : `>= ${b.min}x`,
        'median ratio': c.median.toFixed(2),
        'rounds min..max': c.range,
        verdict: ok ? 'PASS' : 'FAIL',
      });
    }
  }
  console.table(verdicts);
  const context = CONTEXT.flatMap((x) =>
    compare(results, x).map((c) => ({
      'context (no budget)': `${x.subject} vs ${x.against}`,
      payload: c.size,
      metric: c.metric,
      'median ratio': c.median.toFixed(2),
      'rounds min..max': c.range,
    })),
  );
  if (context.length > 0) console.table(context);
  const failed = verdicts.filter((v) => v.verdict === 'FAIL').length;
  console.log(
    `${verdicts.length - failed}/${verdicts.length} budgets met${failed ? ` (${failed} FAIL)` : ''}`,
  );
  process.exitCode = failed ? 1 : 0;
}

/** `subject` against `against` on `metric`, per payload: per-round ratios, their median and range. */
function compare(results, { subject, against, metric }) {
  const out = [];
  for (const size of Object.keys(results)) {
    const a = results[size][subject];
    const z = results[size][against];
    if (!a || !z) continue;
    const ratios = a.map((x, i) => x[metric] / z[i][metric]);
    out.push({
      size,
      metric: metric === 'tput' ? 'throughput' : metric,
      median: median(ratios),
      range: `${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}`,
    });
  }
  return out;
}

await main();
process.exit(process.exitCode ?? 0);
