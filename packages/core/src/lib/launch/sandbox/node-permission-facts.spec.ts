/**
 * What the design relies on about Node's permission model (on the Node that
 * runs the tests): if a Node release changes one of these, the sandbox's
 * grants or its documented limits (docs/security.md) must change with it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodePermissionFlags } from './node-permission-flags';

const PROBE = `
const fs = require('node:fs'), net = require('node:net');
const out = {};
const code = (fn) => { try { fn(); return 'ok'; } catch (e) { return e.code; } };
out.readOutside = code(() => fs.readFileSync(process.argv[2] + '/outside/secret'));
out.existsOutside = code(() => fs.existsSync('/etc/alpine-release'));
out.binding = code(() => process.binding('fs'));
out.dlopen = code(() => process.dlopen({ exports: {} }, '/nonexistent.node'));
out.killParent = code(() => process.kill(process.ppid, 0));
const sock = process.argv[2] + '/outside/s.sock';
const server = net.createServer((c) => c.end()).listen(sock, () => {
  out.listenOutside = 'ok';
  const c = net.connect(sock, () => { out.connectOutside = 'ok'; c.destroy(); server.close(); });
  c.on('error', (e) => { out.connectOutside = e.code; server.close(); });
});
server.on('error', (e) => { out.listenOutside = e.code; });
server.on('close', () => process.stdout.write(JSON.stringify(out)));
`;

// Unix sockets and POSIX paths: not Windows.
const posix = process.platform === 'win32' ? describe.skip : describe;

posix('Node permission model facts the sandbox relies on', () => {
  let dir: string;
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'tessera-facts-')));
    mkdirSync(join(dir, 'inside'));
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside/secret'), 'x');
    writeFileSync(join(dir, 'inside/probe.js'), PROBE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('denies fs outside the lists (even existsSync), bindings and addons, but not sockets or signals', () => {
    const flags = nodePermissionFlags({
      read: [join(dir, 'inside')],
      write: [],
      addons: false,
      childProcess: false,
      worker: false,
    });
    const out = JSON.parse(
      execFileSync(process.execPath, [...flags, join(dir, 'inside/probe.js'), dir], {
        encoding: 'utf8',
        env: {},
      }),
    ) as Record<string, string>;
    expect(out).toEqual({
      readOutside: 'ERR_ACCESS_DENIED',
      existsOutside: 'ERR_ACCESS_DENIED', // why zeromq hosts are granted /etc/alpine-release
      binding: 'ERR_ACCESS_DENIED',
      dlopen: 'ERR_DLOPEN_DISABLED',
      killParent: 'ok', // not covered: the host installs its own guard (confine-signals.ts)
      listenOutside: 'ok', // Unix sockets are not checked: a host needs no grant to listen...
      connectOutside: 'ok', // ...and can connect to any socket whose path it knows
    });
  });
});
