// The raw baseline shared by the IPC benchmarks: a Unix-socket echo with the
// same framing as the carrier (4-byte big-endian length + msgpack), no RPC
// layer, no tokens. Run as a child: `node raw-unix-echo.mjs serve <dir>`
// prints `LISTENING <path>` and exits when its stdin closes.
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { clearTimeout } from 'node:timers';

const require = createRequire(import.meta.url);
const { Packr } = require('msgpackr');
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const SCRIPT = fileURLToPath(import.meta.url);

/** Length-prefix one encoded payload. */
export function frame(payload) {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** Decode, re-encode and answer every complete frame of a read in one write. */
async function serveRaw(dir) {
  const path = join(dir, `raw-${process.pid}.sock`);
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const out = [];
      let at = 0;
      while (pending.length - at >= 4) {
        const len = pending.readUInt32BE(at);
        if (pending.length - at - 4 < len) break;
        const value = packr.unpack(pending.subarray(at + 4, at + 4 + len));
        out.push(frame(packr.pack(value)));
        at += 4 + len;
      }
      pending = pending.subarray(at);
      if (out.length > 0) socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
    });
    socket.on('error', () => undefined);
  });
  await new Promise((r) => server.listen(path, r));
  return { address: path, close: () => new Promise((r) => server.close(r)) };
}

/** Run `serve` (a function returning {address, close}) as a child role: LISTENING, then exit on stdin end. */
export async function serveAsChild(serve) {
  const server = await serve();
  process.stdin.on('end', async () => {
    await server.close();
    process.exit(0);
  });
  process.stdin.resume();
  process.stdout.write(`LISTENING ${server.address}\n`);
}

/** Spawn `node script ...args` and resolve with its LISTENING address. */
export function startChild(script, args) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /LISTENING (\S+)\n/.exec(out);
      if (m) resolve({ child, address: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited early with ${code}`)));
  });
}

/** Start the raw echo server in a child process. */
export const startRawServer = (dir) => startChild(SCRIPT, ['serve', dir]);

/** Close a child's stdin and wait for it (SIGKILL after 3 s). */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.stdin.end();
  });
}

/**
 * A raw client: pipelined length-prefixed msgpack, answers matched in order
 * (FIFO), no correlation ids. With `batch`, writes are corked per tick like
 * the carrier's, so the baseline is not handicapped by a syscall per call.
 */
export async function rawClient(path, batch = true) {
  const socket = await new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay?.(true);
  const waiting = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (pending.length - at >= 4) {
      const len = pending.readUInt32BE(at);
      if (pending.length - at - 4 < len) break;
      waiting.shift()(packr.unpack(pending.subarray(at + 4, at + 4 + len)));
      at += 4 + len;
    }
    pending = pending.subarray(at);
  });
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return {
    call: (value) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        if (batch && !corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork);
        }
        socket.write(frame(packr.pack(value)));
      }),
    close: () => new Promise((r) => socket.end(r)),
  };
}

if (process.argv[1] === SCRIPT && process.argv[2] === 'serve')
  await serveAsChild(() => serveRaw(process.argv[3]));
