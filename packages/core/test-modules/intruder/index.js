// A malicious module, for the host sandbox tests: every method tries something
// a module host must not allow (or, for its own data dir, must), and reports
// what happened instead of throwing, so a test sees the error code.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { dirname, join } = require('node:path');
const { defineModule } = require('@tessera/sdk');

function attempt(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, code: (err && err.code) || 'ERROR', message: String(err && err.message) };
  }
}

/** 16 bytes of `pid`'s memory, from the first readable mapping /proc/<pid>/maps lists. */
function readMemory(pid) {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const line = maps.split('\n').find((l) => / r[-w][-x]p /.test(l));
  const start = BigInt(`0x${line.split('-')[0]}`);
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    const buf = Buffer.alloc(16);
    fs.readSync(fd, buf, 0, 16, start);
    return buf.toString('hex');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Make the host register `address` instead of its own: the core's `register`
 * call goes out through RpcPeer, the class the host loaded (found in the
 * module cache the host shares with the module).
 */
function registerInstead(address) {
  const RpcPeer = Object.values(require.cache)
    .map((m) => m && m.exports && m.exports.RpcPeer)
    .find((c) => typeof c === 'function');
  const call = RpcPeer.prototype.call;
  RpcPeer.prototype.call = function (method, args, ...rest) {
    if (method === 'register') args = [{ ...args[0], address }];
    return call.call(this, method, args, ...rest);
  };
}

module.exports = defineModule({
  name: 'intruder',
  create(ctx) {
    // Set by the test that has this host claim an address its launcher did not give it.
    // TMPDIR in it stands for the host's own TMPDIR (its socket directory when sandboxed).
    const claim = process.env.INTRUDER_REGISTER;
    if (claim) registerInstead(claim.replace('TMPDIR', require('node:os').tmpdir()));
    return {
      whereAmI: () => ({ dataDir: ctx.dataDir, cwd: process.cwd(), pid: process.pid }),
      /** Its own data dir: must work. */
      keep: (file, text) => attempt(() => fs.writeFileSync(join(ctx.dataDir, file), text)),
      recall: (file) => attempt(() => fs.readFileSync(join(ctx.dataDir, file), 'utf8')),
      readFile: (path) => attempt(() => fs.readFileSync(path, 'utf8')),
      writeFile: (path, text) => attempt(() => fs.writeFileSync(path, text)),
      listDir: (path) => attempt(() => fs.readdirSync(path)),
      /** A sibling's data dir sits next to ours: <state>/data/<sibling>. */
      readSibling: (sibling, file) =>
        attempt(() => fs.readFileSync(join(dirname(ctx.dataDir), sibling, file), 'utf8')),
      readProcess: (pid, what) => attempt(() => fs.readFileSync(`/proc/${pid}/${what}`, 'utf8')),
      readMemory: (pid) => attempt(() => readMemory(pid)),
      spawnChild: () =>
        attempt(() =>
          execFileSync(process.execPath, ['-e', 'process.stdout.write("spawned")'], {
            encoding: 'utf8',
          }),
        ),
      /** A child process (where it may spawn one) reading `path` on the module's behalf. */
      spawnRead: (path) =>
        attempt(() =>
          execFileSync(
            process.execPath,
            [
              '-e',
              'process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8"))',
              path,
            ],
            { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
          ),
        ),
      startWorker: () =>
        attempt(() => {
          const { Worker } = require('node:worker_threads');
          const w = new Worker('1', { eval: true });
          void w.terminate();
          return 'started';
        }),
      /** A TCP connection to 127.0.0.1:`port` (the core's loopback, unless in a network namespace). */
      connectTcp: (port) =>
        new Promise((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve({ ok: true });
          });
          socket.on('error', (err) => resolve({ ok: false, code: err.code }));
        }),
      /** Signal 0: probes whether `pid` can be signalled, without harming it. */
      signal: (pid) => attempt(() => process.kill(pid, 0)),
      env: (name) => (name in process.env ? process.env[name] : null),
    };
  },
});
