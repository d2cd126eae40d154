import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, type SandboxDeclaration } from '@tessera/protocol';
import { errorOf } from '@tessera/protocol/testing';
import { probeBwrap } from './bwrap-probe';
import { HostSandbox, type HostSandboxOptions } from './host-sandbox';

const REPO = realpathSync(resolve(__dirname, '../../../../../..'));
const ECHO = join(REPO, 'packages/core/test-modules/echo');
const declare = (d: Partial<SandboxDeclaration>): SandboxDeclaration => ({
  read: [],
  write: [],
  env: [],
  childProcess: false,
  worker: false,
  network: false,
  ...d,
});
const flagValues = (args: string[], flag: string) =>
  args.filter((a) => a.startsWith(`${flag}=`)).map((a) => a.slice(flag.length + 1));

describe('HostSandbox plans (no process started)', () => {
  let stateDir: string;
  const sandboxes: HostSandbox[] = [];
  const make = (o: Partial<HostSandboxOptions> = {}) => {
    const s = new HostSandbox({
      sandbox: { node: true, bwrap: 'off' },
      stateDir,
      transport: { kind: 'ipc' },
      env: { PATH: '/usr/bin', AWS_SECRET_ACCESS_KEY: 'secret', LANG: 'C.UTF-8', API_URL: 'u' },
      ...o,
    });
    sandboxes.push(s);
    return s;
  };
  const plan = (s: HostSandbox, sandbox?: SandboxDeclaration) =>
    s.plan({
      name: 'echo',
      entryPath: join(REPO, 'node_modules/@tessera-test/echo/index.js'),
      sandbox,
      coreAddress: 'ipc:///tmp/tessera-0/core.sock',
    });

  beforeEach(() => {
    stateDir = join(realpathSync(mkdtempSync(join(tmpdir(), 'tessera-plan-'))), '.tessera');
  });
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((s) => s.close()));
    rmSync(resolve(stateDir, '..'), { recursive: true, force: true });
  });

  it('lets the host read its code by real path and write only its data and socket dirs', async () => {
    const p = await plan(make({ protect: [join(REPO, 'apps/demo')] }));
    const args = p.spawn.args;
    expect(p.spawn.command).toBe(realpathSync(process.execPath));
    // The hosts' V8 flags, on the command line (the sandbox passes no NODE_OPTIONS), before the entry.
    expect(args.slice(-2)).toEqual([
      '--max-semi-space-size=1',
      join(REPO, 'packages/host/dist/lib/process/host-main.js'),
    ]);
    expect(args[0]).toMatch(/^--(experimental-)?permission$/);
    expect(args.at(-1)).toBe(join(REPO, 'packages/host/dist/lib/process/host-main.js'));
    const read = flagValues(args, '--allow-fs-read');
    // The module's package by its real path (node_modules/@tessera-test/echo is a link).
    expect(p.entryPath).toBe(join(ECHO, 'index.js'));
    expect(read).toEqual(
      expect.arrayContaining([
        ECHO,
        join(REPO, 'packages/host'),
        // Each package of node_modules by itself: a workspace link as written and by its target.
        join(REPO, 'node_modules/@tessera/sdk'),
        join(REPO, 'packages/sdk'),
        join(REPO, 'node_modules/typescript'),
        p.dataDir,
      ]),
    );
    // Never a whole tree: Node follows the links in it wherever they point.
    expect(read.filter((r) => r.endsWith('/node_modules'))).toEqual([]);
    expect(read.filter((r) => r.includes('/node_modules/.'))).toEqual([]);
    // A linked package that holds a protected path is left out, as written and by target.
    expect(read).not.toContain(join(REPO, 'apps/demo'));
    expect(read).not.toContain(join(REPO, 'node_modules/@tessera-demo/app'));
    expect(read.some((r) => r.startsWith(stateDir) && r !== p.dataDir)).toBe(false);
    // Hundreds of flags, not thousands: one or two per package.
    expect(read.length).toBeLessThan(2 * readdirSync(join(REPO, 'node_modules')).length + 400);
    expect(p.spawn.socketDir).toBe(p.transport.options?.['runtimeDir']);
    const socketDir = p.transport.options?.['runtimeDir'] as string;
    expect(flagValues(args, '--allow-fs-write')).toEqual([p.dataDir, socketDir]);
    expect(p.dataDir).toBe(join(stateDir, 'data', 'echo'));
    expect(statSync(p.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    for (const denied of [
      '--allow-child-process',
      '--allow-worker',
      '--allow-addons',
      '--allow-wasi',
    ])
      expect(args).not.toContain(denied);
    expect(p.spawn).toMatchObject({ cwd: p.dataDir, detached: true });
    await p.release();
    expect(existsSync(socketDir)).toBe(false);
  });

  it('under bubblewrap, mounts whole trees but gives node the same per-package list', async () => {
    if (!(await probeBwrap(true)).ok) {
      console.warn('bubblewrap cannot run here: skipped');
      return;
    }
    const p = await plan(make({ sandbox: 'bwrap', protect: [join(REPO, 'apps/demo')] }));
    expect(p.layers).toEqual({ node: true, bwrap: true });
    const args = p.spawn.args;
    const command = args.slice(args.indexOf('--') + 1);
    const outer = args.slice(0, args.indexOf('--'));
    expect(command.slice(-2)).toEqual([
      '--max-semi-space-size=1',
      join(REPO, 'packages/host/dist/lib/process/host-main.js'),
    ]);
    const tree = join(REPO, 'node_modules');
    // The link to apps/demo dangles in there: apps/demo is not mounted.
    expect(outer.join(' ')).toContain(`--ro-bind ${tree} ${tree}`);
    expect(outer).not.toContain(join(REPO, 'apps/demo'));
    const read = flagValues(command, '--allow-fs-read');
    expect(read).not.toContain(tree);
    expect(read).toContain(join(tree, '@tessera/sdk'));
    expect(read).not.toContain(join(tree, '@tessera-demo/app'));
  });

  it('passes a minimal environment: no secret of the core, only what the manifest names', async () => {
    const s = make();
    const plain = await plan(s);
    expect(plain.spawn.env).toEqual({
      LANG: 'C.UTF-8',
      HOME: plain.dataDir,
      TMPDIR: plain.transport.options?.['runtimeDir'],
      // No addon may load under the permission model here: msgpackr is told not to try its own.
      MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true',
    });
    // Over zeromq addons are allowed, and msgpackr keeps its native extension.
    const zmq = await plan(make({ transport: { kind: 'zeromq' } }));
    expect(zmq.spawn.env).not.toHaveProperty('MSGPACKR_NATIVE_ACCELERATION_DISABLED');
    const declared = await plan(s, declare({ env: ['API_URL', 'NOT_SET'], childProcess: true }));
    expect(declared.spawn.env).toMatchObject({ API_URL: 'u', PATH: '/usr/bin' });
    expect(declared.spawn.env).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(declared.spawn.env).not.toHaveProperty('NOT_SET');
  });

  it("plans a second host of the same package from the first one's code view, checks and all", async () => {
    const s = make();
    const first = await plan(s);
    const second = await plan(s);
    expect(
      flagValues(second.spawn.args, '--allow-fs-read').filter((p) => !p.includes('tessera-')),
    ).toEqual(
      flagValues(first.spawn.args, '--allow-fs-read').filter((p) => !p.includes('tessera-')),
    );
    // A protected path is checked for every plan: a sandbox that protects the package refuses it.
    const guarded = make({ protect: [join(REPO, 'packages/core/test-modules')] });
    await expect(plan(guarded)).rejects.toThrow(/overlaps/);
    await expect(plan(guarded)).rejects.toThrow(/overlaps/);
  });

  it('grants child processes, workers and declared paths only as declared', async () => {
    const p = await plan(
      make(),
      declare({
        read: ['/etc/ssl', './assets'],
        write: ['/var/cache/echo'],
        childProcess: true,
        worker: true,
      }),
    );
    expect(p.spawn.args).toEqual(
      expect.arrayContaining(['--allow-child-process', '--allow-worker']),
    );
    expect(flagValues(p.spawn.args, '--allow-fs-read')).toEqual(
      expect.arrayContaining(['/etc/ssl', join(ECHO, 'assets'), '/var/cache/echo']),
    );
    expect(flagValues(p.spawn.args, '--allow-fs-write')).toContain('/var/cache/echo');
  });

  it('allows native addons only for a carrier that is one (zeromq)', async () => {
    const p = await plan(make({ transport: { kind: 'zeromq' } }));
    expect(p.spawn.args).toContain('--allow-addons');
    // Its own listener goes in its own socket dir, like ipc's.
    expect(p.transport).toEqual({ kind: 'zeromq', options: { runtimeDir: p.spawn.socketDir } });
  });

  it('refuses a declaration that would reach the state dir or a protected path', async () => {
    const bundle = join(REPO, 'policies/build');
    const s = make({ protect: [bundle] });
    const intoState = await errorOf(plan(s, declare({ read: [resolve(stateDir, '..')] })));
    expect(intoState.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(intoState.message).toBe(
      `module echo declares read ${resolve(stateDir, '..')}, which overlaps ${stateDir}: no module may reach it`,
    );
    const intoBundle = await errorOf(plan(s, declare({ write: [join(bundle, 'x')] })));
    expect(intoBundle.data).toMatchObject({ field: 'tessera.sandbox.write' });
  });

  it('refuses to run a module whose package holds a protected path', async () => {
    const err = await errorOf(plan(make({ protect: [join(ECHO, 'secret')] })));
    expect(err.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(err.message).toMatch(
      /^cannot sandbox module echo: .*echo must be readable, and it overlaps/,
    );
  });

  it('refuses to run a module whose own node_modules links into a protected path', async () => {
    const pkg = join(resolve(stateDir, '..'), 'mod');
    mkdirSync(join(pkg, 'node_modules'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"mod"}');
    writeFileSync(join(pkg, 'index.js'), '');
    mkdirSync(stateDir, { recursive: true });
    symlinkSync(resolve(stateDir, '..'), join(pkg, 'node_modules/app'));
    const err = await errorOf(
      make().plan({
        name: 'mod',
        entryPath: join(pkg, 'index.js'),
        coreAddress: 'ipc:///tmp/tessera-0/core.sock',
      }),
    );
    expect(err.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(err.message).toBe(
      `cannot sandbox module mod: ${pkg} must be readable, and a link in its node_modules leads to ${resolve(stateDir, '..')}, which overlaps ${stateDir}, which no module may read`,
    );
  });

  it('with the sandbox off: the old fork, the whole environment but a core token, and a warning', async () => {
    const warnings: string[] = [];
    const p = await plan(
      make({
        sandbox: 'none',
        env: { PATH: '/usr/bin', TESSERA_CORE_TOKEN: 'x', AWS_SECRET_ACCESS_KEY: 'secret' },
        warn: (l) => warnings.push(l),
      }),
    );
    expect(warnings).toEqual([
      expect.stringContaining('sandbox "none": module hosts run unconfined'),
    ]);
    expect(p.spawn).toMatchObject({
      args: ['--max-semi-space-size=1', join(REPO, 'packages/host/dist/lib/process/host-main.js')],
      env: { PATH: '/usr/bin', AWS_SECRET_ACCESS_KEY: 'secret' },
      detached: false,
    });
    expect(p.transport).toEqual({ kind: 'ipc' });
    expect(p.spawn.socketDir).toBeUndefined();
    expect(p.layers).toEqual({ node: false, bwrap: false });
    expect(existsSync(p.dataDir)).toBe(true);
  });

  it('removes its socket root and a temporary state dir at close', async () => {
    const s = new HostSandbox({ sandbox: 'node', transport: { kind: 'ipc' } });
    const p = await plan(s);
    const socketRoot = resolve(p.transport.options?.['runtimeDir'] as string, '..');
    expect(p.dataDir).toMatch(/tessera-state-[^/]+\/data\/echo$/);
    await s.close();
    expect(existsSync(socketRoot)).toBe(false);
    expect(existsSync(p.dataDir)).toBe(false);
  });
});
