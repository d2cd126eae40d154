/**
 * The host sandbox against a malicious module (test-modules/intruder), with
 * real child processes: each layer alone (the Node permission model;
 * bubblewrap, where it runs), both (the default), and none at all, the
 * control that proves every attack here works when its defence is removed.
 */
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { ErrorCode, TesseraError } from '@tessera/protocol';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MODULE_METHODS, OPERATOR } from '../index';
import { discoverOne } from '../lib/discovery';
import { probeBwrap } from '../lib/launch/sandbox/bwrap-probe';
import type { SandboxLayers } from '../lib/launch/sandbox';

const REPO = resolve(__dirname, '../../../..');
type Outcome = { ok: boolean; value?: unknown; code?: string; message?: string };

/** Layers under test; bwrap ones only where bubblewrap can run. */
const LAYERS: [string, SandboxLayers][] = [
  ['the Node permission model', { node: true, bwrap: 'off' }],
  ['bubblewrap alone', { node: false, bwrap: 'required' }],
  ['both layers (the default)', { node: true, bwrap: 'auto' }],
];

let bwrapRuns = false;
beforeAll(async () => {
  bwrapRuns = (await probeBwrap(true)).ok;
});

/** Every pid whose working directory is `dir` (a host, inside or outside bwrap). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

interface World {
  app: Tessera;
  /** The workspace: `node_modules` (the intruder installed, the app linked) and `app`. */
  root: string;
  appDir: string;
  stateDir: string;
  bundleDir: string;
  call(method: string, ...args: unknown[]): Promise<Outcome>;
  close(): Promise<void>;
}

/**
 * The demo's layout: a workspace whose `node_modules` holds the intruder
 * (installed, so `node_modules` is a tree its `require` reads) and links
 * every workspace package, the app that holds `.tessera` included.
 */
function makeWorkspace(): { root: string; appDir: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'tessera-sandbox-')));
  const modules = join(root, 'node_modules');
  const intruder = join(modules, '@tessera-test', 'intruder');
  mkdirSync(intruder, { recursive: true });
  for (const file of ['index.js', 'package.json'])
    copyFileSync(join(REPO, 'packages/core/test-modules/intruder', file), join(intruder, file));
  mkdirSync(join(modules, '@tessera'));
  symlinkSync(join(REPO, 'packages/sdk'), join(modules, '@tessera', 'sdk'));
  mkdirSync(join(modules, '@tessera-demo'));
  symlinkSync('../../app', join(modules, '@tessera-demo', 'app'));
  const appDir = join(root, 'app');
  mkdirSync(appDir);
  return { root, appDir };
}

async function startWorld(sandbox: SandboxLayers | 'none', kind = 'ipc'): Promise<World> {
  const { root, appDir } = makeWorkspace();
  const stateDir = join(appDir, '.tessera');
  const bundleDir = join(appDir, 'policies');
  mkdirSync(join(stateDir, 'data', 'echo'), { recursive: true, mode: 0o700 });
  mkdirSync(bundleDir);
  writeFileSync(join(stateDir, 'run.json'), '{"operator":"ipc:///secret.sock"}');
  writeFileSync(join(stateDir, 'operator.key'), 'operator-credential');
  writeFileSync(join(stateDir, 'data', 'echo', 'secret.txt'), 'sibling secret');
  writeFileSync(join(bundleDir, 'data.json'), '{}');
  try {
    return await startApp({ sandbox, kind, root, appDir, stateDir, bundleDir });
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

async function startApp(o: {
  sandbox: SandboxLayers | 'none';
  kind: string;
  root: string;
  appDir: string;
  stateDir: string;
  bundleDir: string;
}): Promise<World> {
  const { sandbox, kind, root, stateDir, bundleDir } = o;
  const intruder = await discoverOne('@tessera-test/intruder', root);
  const app = await createTessera({
    isolation: 'process',
    transport: { kind },
    sandbox,
    stateDir,
    protect: [bundleDir],
    policy: new StaticPolicyEngine([
      ...['intruder', 'echo'].map((caller) => ({
        caller,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
      { caller: OPERATOR, target: 'intruder', methods: intruder.manifest.provides['intruder-all'] },
    ]),
    identities: [{ name: OPERATOR, provides: {}, requires: [] }],
    capability: { sweepIntervalMs: 0 },
    modules: [
      {
        manifest: { name: 'echo', events: ['beat'] },
        packageName: '@tessera-test/echo',
        entryPath: require.resolve('@tessera-test/echo'),
      },
      {
        manifest: intruder.manifest,
        packageName: intruder.packageName,
        packageDir: intruder.packageDir,
        entryPath: intruder.entryPath,
      },
    ],
  });
  return {
    app,
    ...o,
    call: (method, ...args) => app.core.operatorCall('intruder', method, args) as Promise<Outcome>,
    close: async () => {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

// The attacks go through /proc: Linux (where bubblewrap also lives).
const linux = process.platform === 'linux' ? describe : describe.skip;

linux('host sandbox: a malicious module', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    process.env['TESSERA_TEST_SECRET'] = 'hunter2'; // the core has it; the module never declared it
    process.env['INTRUDER_GREETING'] = 'hello'; // declared in its manifest
  });
  afterAll(() => {
    process.env = saved;
  });

  describe.each(LAYERS)('under %s', (_label, layers) => {
    let w: World;
    const usesBwrap = layers.bwrap !== 'off';
    const usesNode = layers.node;
    /** The error a blocked file access gets from the outermost layer that blocks it. */
    const blocked = usesNode ? 'ERR_ACCESS_DENIED' : 'ENOENT';

    beforeAll(async () => {
      if (usesBwrap && !bwrapRuns) return;
      w = await startWorld(layers);
    });
    afterAll(async () => {
      await w?.close();
    });
    const maybe = (name: string, fn: () => Promise<void>) =>
      it(name, async () => {
        if (usesBwrap && !bwrapRuns) {
          console.warn(`bubblewrap cannot run here: skipped "${name}"`);
          return;
        }
        await fn();
      });

    maybe('reads and writes its own data dir, which is <state>/data/<module>, 0700', async () => {
      const where = (await w.app.core.operatorCall('intruder', 'whereAmI', [])) as {
        dataDir: string;
        cwd: string;
      };
      expect(where.dataDir).toBe(join(w.stateDir, 'data', 'intruder'));
      expect(where.cwd).toBe(where.dataDir);
      expect(await w.call('keep', 'note.txt', 'mine')).toEqual({ ok: true });
      expect(await w.call('recall', 'note.txt')).toEqual({ ok: true, value: 'mine' });
      expect(statSync(where.dataDir).mode & 0o777).toBe(0o700);
    });

    maybe('gets the env vars it declared, and no other of the core', async () => {
      expect(await w.app.core.operatorCall('intruder', 'env', ['INTRUDER_GREETING'])).toBe('hello');
      expect(await w.app.core.operatorCall('intruder', 'env', ['TESSERA_TEST_SECRET'])).toBeNull();
      expect(await w.app.core.operatorCall('intruder', 'env', ['PATH'])).toBeNull();
    });

    maybe("cannot read a sibling's data dir", async () => {
      expect(await w.call('readSibling', 'echo', 'secret.txt')).toMatchObject({
        ok: false,
        code: blocked,
      });
    });

    maybe("cannot read the app's .tessera files, nor list them", async () => {
      for (const file of ['run.json', 'operator.key'])
        expect(await w.call('readFile', join(w.stateDir, file))).toMatchObject({
          ok: false,
          code: blocked,
        });
      const listed = await w.call('listDir', w.stateDir);
      // bwrap alone shows the empty skeleton it mounted data/intruder into, nothing else.
      if (listed.ok) expect(listed.value).toEqual(['data']);
      else expect(listed.code).toBe(blocked);
    });

    maybe('cannot read the state dir through a workspace link in node_modules', async () => {
      // node_modules/@tessera-demo/app -> ../../app, which holds .tessera (as in the demo).
      const viaLink = join(w.root, 'node_modules/@tessera-demo/app/.tessera');
      for (const file of ['operator.key', 'run.json', 'data/echo/secret.txt'])
        expect(await w.call('readFile', join(viaLink, file))).toMatchObject({
          ok: false,
          code: blocked,
        });
      const listed = await w.call('listDir', join(w.root, 'node_modules/@tessera-demo/app'));
      // bwrap alone: the empty skeleton it mounted data/intruder into.
      if (listed.ok) expect(listed.value).toEqual(['.tessera']);
      else expect(listed.code).toBe(blocked);
      // What it does get of that tree: each package by itself.
      const sdk = await w.call('readFile', join(w.root, 'node_modules/@tessera/sdk/package.json'));
      expect(sdk.ok).toBe(true);
    });

    maybe("cannot read the core's environment or memory", async () => {
      expect(await w.call('readProcess', process.pid, 'environ')).toMatchObject({
        ok: false,
        code: blocked,
      });
      expect(await w.call('readMemory', process.pid)).toMatchObject({ ok: false, code: blocked });
    });

    maybe('cannot write into the policy bundle dir', async () => {
      const attempt = await w.call('writeFile', join(w.bundleDir, 'policy.wasm'), 'evil');
      expect(attempt).toMatchObject({ ok: false, code: blocked });
      expect(readdirSync(w.bundleDir)).toEqual(['data.json']);
    });

    maybe('cannot signal the core or a sibling host', async () => {
      const echoPid = w.app.core.module('echo')?.host?.pid as number;
      for (const pid of [process.pid, echoPid]) {
        const outcome = await w.call('signal', pid);
        expect(outcome.ok).toBe(false);
        // The permission model's seat belt refuses first; bwrap's pid namespace has no such pid.
        expect(outcome.code).toBe(usesNode ? 'EPERM' : 'ESRCH');
      }
    });

    maybe('cannot spawn a process or start a worker unless it declares so', async () => {
      const spawned = await w.call('spawnChild');
      const worker = await w.call('startWorker');
      if (usesNode) {
        expect(spawned).toMatchObject({ ok: false, code: 'ERR_ACCESS_DENIED' });
        expect(worker).toMatchObject({ ok: false, code: 'ERR_ACCESS_DENIED' });
      } else {
        // bubblewrap does not stop a spawn; the child lives in the same namespaces and view.
        expect(spawned).toEqual({ ok: true, value: 'spawned' });
        const viaChild = await w.call('spawnRead', join(w.stateDir, 'data', 'echo', 'secret.txt'));
        expect(viaChild.ok).toBe(false);
        expect(viaChild.message).toMatch(/ENOENT/);
      }
    });

    maybe('reaches the network only where the permission model alone holds it', async () => {
      const server = createServer((c) => c.end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const { port } = server.address() as AddressInfo;
        const outcome = await w.call('connectTcp', port);
        // The permission model does not cover the network; bwrap gives the host a loopback of its own.
        if (usesBwrap) expect(outcome).toEqual({ ok: false, code: 'ECONNREFUSED' });
        else expect(outcome).toEqual({ ok: true });
      } finally {
        server.close();
      }
    });

    maybe('leaves no process behind when the app closes', async () => {
      const dataDir = join(w.stateDir, 'data', 'intruder');
      expect(processesIn(dataDir).length).toBeGreaterThan(0);
      await w.app.close();
      expect(processesIn(dataDir)).toEqual([]);
    });
  });

  describe('with the sandbox off (the control: every attack above works)', () => {
    let w: World;
    const warn = jest.spyOn(process.stderr, 'write');
    beforeAll(async () => {
      w = await startWorld('none');
    });
    afterAll(async () => {
      warn.mockRestore();
      await w?.close();
    });

    it('warns, and the module reaches everything', async () => {
      expect(warn.mock.calls.some(([l]) => String(l).includes('sandbox "none"'))).toBe(true);
      expect(await w.app.core.operatorCall('intruder', 'env', ['TESSERA_TEST_SECRET'])).toBe(
        'hunter2',
      );
      expect(await w.call('readSibling', 'echo', 'secret.txt')).toEqual({
        ok: true,
        value: 'sibling secret',
      });
      expect(await w.call('readFile', join(w.stateDir, 'operator.key'))).toEqual({
        ok: true,
        value: 'operator-credential',
      });
      const viaLink = join(w.root, 'node_modules/@tessera-demo/app/.tessera/operator.key');
      expect(await w.call('readFile', viaLink)).toEqual({ ok: true, value: 'operator-credential' });
      // What the core was started with: /proc shows the environment at exec.
      expect(await w.call('readProcess', process.pid, 'environ')).toEqual({
        ok: true,
        value: readFileSync(`/proc/${process.pid}/environ`, 'utf8'),
      });
      // /proc/<pid>/mem needs ptrace rights (root here; Yama may refuse others), but the path is reachable.
      const memory = await w.call('readMemory', process.pid);
      if (memory.ok) expect(memory.value).toMatch(/^[0-9a-f]{32}$/);
      else expect(['EACCES', 'EPERM', 'EIO']).toContain(memory.code);
      expect(await w.call('writeFile', join(w.bundleDir, 'policy.wasm'), 'evil')).toEqual({
        ok: true,
      });
      expect(await w.call('signal', process.pid)).toEqual({ ok: true, value: true });
      expect(await w.call('spawnChild')).toEqual({ ok: true, value: 'spawned' });
      expect(await w.call('spawnRead', join(w.stateDir, 'data', 'echo', 'secret.txt'))).toEqual({
        ok: true,
        value: 'sibling secret',
      });
    });
  });

  describe.each([
    ['ipc', 'ipc'],
    ['zeromq', 'zeromq'],
  ])('a host that registers an address its launcher did not give it, over %s', (_label, kind) => {
    const foreign = join(tmpdir(), 'tessera-zmq-foreign', 'listener.sock');
    afterEach(() => {
      delete process.env['INTRUDER_REGISTER'];
    });
    /** How starting the intruder's world failed (undefined: it started, and is closed again). */
    const refusal = (): Promise<TesseraError | undefined> =>
      startWorld({ node: true, bwrap: 'off' }, kind).then(
        (w) => w.close().then(() => undefined),
        (e: TesseraError) => e,
      );

    it('is refused: the core never dials nor reclaims it', async () => {
      process.env['INTRUDER_REGISTER'] = `ipc://${foreign}`;
      const err = await refusal();
      expect(err).toBeInstanceOf(TesseraError);
      expect(err?.code).toBe(ErrorCode.PERMISSION_DENIED);
      expect(err?.message).toMatch(
        new RegExp(
          `^module intruder: module intruder may not register ipc://${foreign}: it lies outside its socket directory /`,
        ),
      );
    });

    it('is refused when it climbs out of its socket dir with ..', async () => {
      // The host's TMPDIR is its socket dir: ../ of it is the launcher's root, every host's sockets.
      process.env['INTRUDER_REGISTER'] = 'ipc://TMPDIR/../x.sock';
      const err = await refusal();
      expect(err?.code).toBe(ErrorCode.PERMISSION_DENIED);
      expect(err?.message).toMatch(/may not register ipc:\/\/\/.*\/\.\.\/x\.sock: it lies outside/);
    });
  });

  it('runs over zeromq too: the addon loads, the sandbox holds', async () => {
    const w = await startWorld({ node: true, bwrap: 'auto' }, 'zeromq');
    try {
      expect(await w.call('keep', 'z.txt', 'zmq')).toEqual({ ok: true });
      expect(await w.call('readSibling', 'echo', 'secret.txt')).toMatchObject({
        ok: false,
        code: 'ERR_ACCESS_DENIED',
      });
      expect(await w.call('spawnChild')).toMatchObject({ ok: false, code: 'ERR_ACCESS_DENIED' });
    } finally {
      await w.close();
    }
  });
});
