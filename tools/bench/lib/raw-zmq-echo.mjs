// The raw ZeroMQ floor: a Router echo in a child process and a Dealer client,
// one zmq message per call (no batching), msgpackr frames shaped like
// Tessera's call/result, matched by id, no RPC layer, no tokens, no handshake.
//   child role: node raw-zmq-echo.mjs serve <address>  (prints LISTENING <endpoint>)
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { serveAsChild, startChild } from './raw-unix-echo.mjs';

const require = createRequire(import.meta.url);
const zmq = require('zeromq');
const { Packr } = require('msgpackr');
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const SCRIPT = fileURLToPath(import.meta.url);
const HWM = { linger: 0, sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000 };

async function serve(address) {
  const router = new zmq.Router(HWM);
  await router.bind(address);
  void (async () => {
    for await (const [id, msg] of router) {
      const call = packr.unpack(msg);
      await router.send([id, packr.pack({ t: 'result', id: call.id, value: call.args[0] })]);
    }
  })().catch(() => undefined);
  return { address: router.lastEndpoint, close: async () => router.close() };
}

/** Start the raw echo in a child process, bound to `address` (e.g. `ipc:///tmp/x.sock`). */
export const startRawZmqServer = (address) => startChild(SCRIPT, ['serve', address]);

/** A Dealer client: `call(payload)` sends one message per call; zeromq allows one send at a time, so sends queue. */
export async function rawZmqClient(address) {
  const dealer = new zmq.Dealer(HWM);
  dealer.connect(address);
  const waiting = new Map();
  const queue = [];
  let sending = false;
  let nextId = 0;
  const pump = async () => {
    sending = true;
    while (queue.length > 0) await dealer.send(queue.shift());
    sending = false;
  };
  void (async () => {
    for await (const [msg] of dealer) {
      const frame = packr.unpack(msg);
      const resolve = waiting.get(frame.id);
      waiting.delete(frame.id);
      resolve?.(frame.value);
    }
  })().catch(() => undefined);
  return {
    call: (payload) =>
      new Promise((resolve) => {
        const id = ++nextId;
        waiting.set(id, resolve);
        queue.push(packr.pack({ t: 'call', id, token: '', method: 'echo', args: [payload] }));
        if (!sending) void pump();
      }),
    close: async () => dealer.close(),
  };
}

if (process.argv[1] === SCRIPT && process.argv[2] === 'serve')
  await serveAsChild(() => serve(process.argv[3]));
