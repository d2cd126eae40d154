#!/usr/bin/env node
// ZeroMQ transport bench: RpcPeer over ZeroMqTransport (batching, RPC layer)
// against a RAW baseline in the same run: a zeromq Dealer/Router msgpackr
// echo, one zmq message per request, no batching, no RPC layer. Servers run
// in child processes for both. Uses the built dist: `npx nx run-many -t build`.
//
//   node tools/bench/run.mjs zeromq
//
// Budgets: throughput (64 in flight) >= 1.5x raw; sequential p50 <= 1.2x raw.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const zmq = require('zeromq');
const { Packr } = require('msgpackr');
const { RpcPeer } = require('@tessera/transport');
const { ZeroMqTransport, generateKeyPair } = require('@tessera/transport-zeromq');
const {
  startChildServer,
} = require('../../packages/transport-zeromq/dist/testing/child-server.js');

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const INFLIGHT = 64;
const THROUGHPUT_CALLS = Number(process.env.BENCH_CALLS ?? 30_000);
const SEQ_CALLS = Number(process.env.BENCH_SEQ ?? 3_000);
const WARMUP = 500;
const payload = { note: 'hello', n: 42, tags: ['a', 'b'] };

// ---- raw echo server (child mode) -----------------------------------------
if (process.argv[2] === '--raw-server') {
  const router = new zmq.Router({
    linger: 0,
    sendHighWaterMark: 10_000,
    receiveHighWaterMark: 10_000,
  });
  await router.bind(process.argv[3]);
  process.stdout.write(`${JSON.stringify({ address: router.lastEndpoint })}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  for await (const [id, msg] of router) {
    const call = packr.unpack(msg);
    await router.send([id, packr.pack({ t: 'result', id: call.id, value: call.args[0] })]);
  }
}

function startRawServer(address) {
  const child = spawn(
    process.execPath,
    [new URL(import.meta.url).pathname, '--raw-server', address],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) =>
      resolve({ child, address: JSON.parse(line).address }),
    );
    child.once('exit', (code) => reject(new Error(`raw server exited with ${code}`)));
  });
}

// ---- raw client -------------------------------------------------------------
async function rawClient(address) {
  const dealer = new zmq.Dealer({
    linger: 0,
    sendHighWaterMark: 10_000,
    receiveHighWaterMark: 10_000,
  });
  dealer.connect(address);
  let id = 0;
  const request = () =>
    packr.pack({ t: 'call', id: ++id, token: '', method: 'echo', args: [payload] });
  return {
    async sequential(n) {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await dealer.send(request());
        const [reply] = await dealer.receive();
        packr.unpack(reply);
        samples.push(performance.now() - t0);
      }
      return samples;
    },
    async throughput(n) {
      let sent = 0;
      let got = 0;
      const t0 = performance.now();
      for (; sent < Math.min(INFLIGHT, n); sent++) await dealer.send(request());
      while (got < n) {
        const [reply] = await dealer.receive();
        packr.unpack(reply);
        got++;
        if (sent < n) {
          sent++;
          await dealer.send(request());
        }
      }
      return n / ((performance.now() - t0) / 1000);
    },
    close: () => dealer.close(),
  };
}

// ---- tessera client ---------------------------------------------------------
async function tesseraClient(address, options) {
  const transport = new ZeroMqTransport(options);
  const peer = new RpcPeer(await transport.connect(address));
  return {
    transport,
    async sequential(n) {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await peer.call('echo', [payload]);
        samples.push(performance.now() - t0);
      }
      return samples;
    },
    async throughput(n) {
      let next = 0;
      const t0 = performance.now();
      const worker = async () => {
        while (next < n) {
          next++;
          await peer.call('echo', [payload]);
        }
      };
      await Promise.all(Array.from({ length: INFLIGHT }, worker));
      return n / ((performance.now() - t0) / 1000);
    },
    close: async () => {
      await peer.close();
      await transport.close();
    },
  };
}

const p50 = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

const ROUNDS = 5;

/**
 * Measure clients in alternating rounds, so load from anything else on the
 * machine hits each of them alike; p50 over all rounds, throughput = median round.
 */
async function measureAll(clients) {
  for (const c of clients) {
    await c.sequential(WARMUP);
    await c.throughput(WARMUP * 4);
  }
  const seq = clients.map(() => []);
  const tput = clients.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of clients.entries()) {
      seq[i].push(...(await c.sequential(Math.ceil(SEQ_CALLS / ROUNDS))));
      tput[i].push(await c.throughput(Math.ceil(THROUGHPUT_CALLS / ROUNDS)));
    }
  }
  return clients.map((_, i) => ({ seq: p50(seq[i]), tput: p50(tput[i]) }));
}

const children = [];
const rows = [];
try {
  for (const scheme of ['ipc', 'tcp']) {
    const addr =
      scheme === 'ipc'
        ? `ipc:///tmp/tessera-zmq-bench-raw-${process.pid}.sock`
        : 'tcp://127.0.0.1:0';
    const raw = await startRawServer(addr);
    children.push(raw.child);
    const rawC = await rawClient(raw.address);
    const server = await startChildServer(
      scheme === 'ipc' ? { quiet: true } : { address: 'tcp://127.0.0.1:0', quiet: true },
    );
    children.push(server.child);
    const ours = await tesseraClient(server.address, {
      curve: false,
      logger: { warn: () => undefined },
    });
    const [r, t] = await measureAll([rawC, ours]);
    rawC.close();
    const stats = ours.transport.stats();
    await ours.close();
    await server.stop();
    rows.push({
      name: `${scheme}:// plain`,
      raw: r,
      ours: t,
      framesPerMsg: stats.framesSent / Math.max(1, stats.batchesSent),
    });
  }
  // CURVE cost: tcp + CURVE against tcp plain, both through Tessera, measured side by side.
  const serverKeys = generateKeyPair();
  const clientKeys = generateKeyPair();
  const curveServer = await startChildServer({
    address: 'tcp://127.0.0.1:0',
    curve: serverKeys,
    clients: { [clientKeys.publicKey]: 'bench' },
  });
  const plainServer = await startChildServer({ address: 'tcp://127.0.0.1:0', quiet: true });
  children.push(curveServer.child, plainServer.child);
  const curved = await tesseraClient(curveServer.address, {
    curve: { ...clientKeys, serverKey: serverKeys.publicKey },
  });
  const plain = await tesseraClient(plainServer.address, {
    curve: false,
    logger: { warn: () => undefined },
  });
  const [c, cp] = await measureAll([curved, plain]);
  await curved.close();
  await plain.close();
  await curveServer.stop();
  await plainServer.stop();

  const fmt = (n, d = 0) => n.toFixed(d).padStart(10);
  console.log(
    `calls: throughput ${THROUGHPUT_CALLS} at ${INFLIGHT} in flight, sequential ${SEQ_CALLS} (p50)`,
  );
  console.log(
    'transport         raw calls/s  tessera calls/s  ratio | raw p50 µs  tessera p50 µs  ratio | frames/msg',
  );
  let ok = true;
  for (const row of rows) {
    const tr = row.ours.tput / row.raw.tput;
    const lr = row.ours.seq / row.raw.seq;
    ok &&= tr >= 1.5 && lr <= 1.2;
    console.log(
      `${row.name.padEnd(16)}${fmt(row.raw.tput)}  ${fmt(row.ours.tput)}     ${tr.toFixed(2)}x | ${fmt(row.raw.seq * 1000)}  ${fmt(row.ours.seq * 1000)}      ${lr.toFixed(2)}x | ${row.framesPerMsg.toFixed(1)}`,
    );
  }
  console.log(
    `tcp:// + CURVE   tessera ${fmt(c.tput)} calls/s, p50 ${fmt(c.seq * 1000)} µs; vs tcp plain ${fmt(cp.tput)} calls/s, p50 ${fmt(cp.seq * 1000)} µs`,
  );
  console.log(
    `CURVE cost: throughput ${(c.tput / cp.tput).toFixed(2)}x, sequential p50 ${(c.seq / cp.seq).toFixed(2)}x of tcp plain`,
  );
  console.log(`budgets (throughput >= 1.5x raw, p50 <= 1.2x raw): ${ok ? 'MET' : 'NOT MET'}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}
