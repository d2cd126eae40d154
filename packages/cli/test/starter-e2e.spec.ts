import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPathsFor } from '@tessera/core';
import { CLI, REPO, isAlive, needsBuild } from '../src/testing';

/**
 * A third party's first hour, end to end: every package packed with `npm
 * pack`, an app scaffolded with `tessera init` in a temp folder outside the
 * repository, the tarballs installed there (third-party dependencies from
 * npm's cache or the registry), built and tested with its own `npm test`,
 * started with `npm start`, one allowed and one denied call through the
 * installed CLI, Ctrl-C, and nothing left: no process, no socket, no state.
 */
describe('a third-party app from the packed packages (tessera init, npm install, npm start)', () => {
  let root: string;
  let app: string;
  let env: NodeJS.ProcessEnv;
  let start: ChildProcess | undefined;
  const sh = (cmd: string, args: string[], cwd = app) =>
    spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });

  beforeAll(() => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run-many', '-t', 'build'], { cwd: REPO, stdio: 'ignore' });
    const opa = execFileSync('bash', [join(REPO, 'tools/opa.sh')], { encoding: 'utf8' }).trim();
    root = mkdtempSync(join(tmpdir(), 'tessera-third-party-'));
    app = join(root, 'my-app');
    // Outside the repository: no tools/opa.sh to find, so OPA comes as a user's would.
    env = { ...process.env, TESSERA_OPA: opa };
    delete env['NODE_OPTIONS'];
    const tarballs = join(root, 'tarballs');
    const packages = readdirSync(join(REPO, 'packages')).map((p) => `packages/${p}`);
    execFileSync('mkdir', ['-p', tarballs]);
    const packed = spawnSync(
      'npm',
      ['pack', '--silent', '--pack-destination', tarballs, ...packages.flatMap((p) => ['-w', p])],
      { cwd: REPO, encoding: 'utf8' },
    );
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  }, 300_000);

  afterAll(() => {
    try {
      if (start?.pid && start.exitCode === null) process.kill(-start.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(root, { recursive: true, force: true });
  });

  /** `tessera run [config]` in the app, in its own process group; resolves once `ready` shows. */
  async function runApp(ready: RegExp, ...args: string[]) {
    const child = spawn('npx', ['--offline', 'tessera', 'run', ...args], {
      cwd: app,
      env,
      detached: true,
    });
    start = child;
    const state = { out: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (state.out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (state.out += d));
    const exited = new Promise((r) => child.once('exit', r));
    const deadline = Date.now() + 60_000;
    while (!ready.test(state.out)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no start:\n${state.out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const stop = async () => {
      process.kill(-(child.pid as number), 'SIGINT');
      await exited;
      // A module's last log line may land between the two.
      expect(state.out).toMatch(/stopping…\n(?:.*\n)*stopped\n$/);
    };
    return { state, stop };
  }
  const call = (...args: string[]) => sh('npx', ['--offline', 'tessera', 'call', ...args]);

  it('packs every package', () => {
    const tgz = readdirSync(join(root, 'tarballs'));
    expect(tgz).toHaveLength(readdirSync(join(REPO, 'packages')).length);
    expect(tgz).toContain('tessera-cli-0.1.0.tgz');
  });

  it('tessera init writes the starter outside any monorepo', () => {
    const r = sh(process.execPath, [CLI, 'init', 'my-app'], root);
    expect(r.stdout).toContain('✓ created my-app in my-app');
    expect(r.stdout).toContain('npm install');
    expect(r.status).toBe(0);
    for (const file of [
      'package.json',
      'tessera.config.json',
      'tessera.inprocess.json',
      'modules/greeter/package.json',
      'modules/greeter/src/index.ts',
      'policies/authz.rego',
      'policies/data.json',
      'test/app.test.mjs',
      'README.md',
      '.gitignore',
    ])
      expect(existsSync(join(app, file))).toBe(true);
  });

  it('installs the tarballs, and npm test builds the module and policy and passes in-process and over ipc', () => {
    const tarballs = readdirSync(join(root, 'tarballs')).map((t) => join(root, 'tarballs', t));
    const installed = sh('npm', [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      ...tarballs,
    ]);
    if (installed.status !== 0) throw new Error(`npm install failed:\n${installed.stderr}`);
    const tested = sh('npm', ['test']);
    expect(tested.stdout).toContain('PASS: 2/2'); // the policy tests
    expect(tested.stdout).toContain('ok 1 - greeter answers in-process');
    expect(tested.stdout).toContain('ok 2 - greeter answers over ipc, a process per module');
    expect(tested.stdout).toMatch(/# fail 0/);
    expect(tested.status).toBe(0);
  }, 240_000);

  it('the installed CLI carries the starter too (the templates are in the tarball)', () => {
    const r = sh('npx', ['--offline', 'tessera', 'init', '../again']);
    expect(r.status).toBe(0);
    expect(readFileSync(join(root, 'again/policies/authz.rego'), 'utf8')).toBe(
      readFileSync(join(app, 'policies/authz.rego'), 'utf8'),
    );
  }, 30_000);

  it('npm start runs it; one call allowed, one denied; Ctrl-C leaves no process, socket or state', async () => {
    const paths = runPathsFor(join(app, 'tessera.config.json'));
    // Its own process group, as a terminal would: Ctrl-C reaches npm and tessera run alike.
    const child = spawn('npm', ['start'], { cwd: app, env, detached: true, stdio: 'pipe' });
    start = child;
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 90_000;
    while (!/✓ 1 module ready/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const allowed = sh('npx', ['--offline', 'tessera', 'call', 'greeter', 'hello', '["Ada"]']);
    expect(allowed.stdout.trim()).toBe('"Hello, Ada!"');
    expect(allowed.status).toBe(0);
    const denied = sh('npx', ['--offline', 'tessera', 'call', 'greeter', 'setGreeting', '["Hi"]']);
    expect(denied.stderr).toContain(
      "PERMISSION_DENIED: 'setGreeting' is not granted to operator on greeter",
    );
    expect(denied.status).toBe(1);

    const ls = sh('npx', ['--offline', 'tessera', 'ls', '--json']);
    const modules = JSON.parse(ls.stdout) as { name: string; pid?: number }[];
    const pids = [
      (JSON.parse(readFileSync(paths.stateFile, 'utf8')) as { pid: number }).pid,
      ...modules.map((m) => m.pid).filter((p): p is number => typeof p === 'number'),
    ];
    expect(pids).toHaveLength(2); // tessera run and greeter's host
    expect(readdirSync(paths.runtimeDir).some((f) => f.endsWith('.sock'))).toBe(true);

    process.kill(-(child.pid as number), 'SIGINT');
    await exited;
    expect(out).toMatch(/stopping…\nstopped\n/);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(paths.runtimeDir)).toBe(false);
    expect(existsSync(paths.dir)).toBe(false);
    const sockets = readdirSync(app, { recursive: true }).filter((f) =>
      String(f).endsWith('.sock'),
    );
    expect(sockets).toEqual([]);
    // No process of any kind still runs from the app's folder.
    const left = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(app);
        } catch {
          return false;
        }
      });
    expect(left).toEqual([]);
  }, 120_000);

  it('docs/getting-started.md steps 3 to 5, as written: a second module, denials, a transport switch', async () => {
    const doc = readFileSync(join(REPO, 'docs/getting-started.md'), 'utf8');
    const blocks = [...doc.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({
      lang: m[1],
      body: m[2] as string,
    }));
    const pkg = blocks.find((b) => b.lang === 'json' && b.body.includes('"name": "welcome"'));
    const code = blocks.find((b) => b.lang === 'ts' && b.body.includes("name: 'welcome'"));
    expect(pkg && code).toBeTruthy();
    mkdirSync(join(app, 'modules/welcome/src'), { recursive: true });
    writeFileSync(join(app, 'modules/welcome/package.json'), pkg?.body ?? '');
    writeFileSync(join(app, 'modules/welcome/src/index.ts'), code?.body ?? '');
    copyFileSync(
      join(app, 'modules/greeter/tsconfig.json'),
      join(app, 'modules/welcome/tsconfig.json'),
    );
    for (const file of ['tessera.config.json', 'tessera.inprocess.json']) {
      const config = JSON.parse(readFileSync(join(app, file), 'utf8')) as { modules: string[] };
      config.modules = ['greeter', 'welcome'];
      writeFileSync(join(app, file), JSON.stringify(config, null, 2));
    }
    const installed = sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    expect(installed.status).toBe(0);
    const built = sh('npm', ['run', 'build']);
    if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}\n${built.stderr}`);

    const first = await runApp(/✓ 2 modules ready/);
    try {
      const welcomed = call('welcome', 'welcome', '["Ada"]');
      expect(welcomed.stdout.trim()).toBe('"Hello, Ada! Welcome aboard."');
      const refused = call('welcome', 'rename', '["Hi"]');
      const rename =
        "denied: PERMISSION_DENIED: 'setGreeting' is not granted to welcome on greeter";
      expect(refused.stderr).toContain(rename);
      expect(doc).toContain(`# ${rename}`);

      // Step 4: a deny-list entry, rebuilt while the app runs, cuts welcome off greeter.
      const dataFile = join(app, 'policies/data.json');
      const data = JSON.parse(readFileSync(dataFile, 'utf8')) as { tessera: { deny: unknown[] } };
      data.tessera.deny = [{ caller: 'welcome', target: 'greeter', reason: 'maintenance' }];
      writeFileSync(dataFile, JSON.stringify(data, null, 2));
      expect(sh('npx', ['--offline', 'tessera', 'policy', 'build']).status).toBe(0);
      const reloaded = Date.now() + 20_000;
      while (!/policy revision 2 in force/.test(first.state.out) && Date.now() < reloaded)
        await new Promise((r) => setTimeout(r, 100));
      const denied = call('welcome', 'welcome', '["Ada"]');
      const deny =
        'denied: PERMISSION_DENIED: denied by deny list: welcome -> greeter (maintenance)';
      expect(denied.stderr).toContain(deny);
      expect(doc).toContain(`# ${deny}`);
      data.tessera.deny = [];
      writeFileSync(dataFile, JSON.stringify(data, null, 2));
      expect(sh('npx', ['--offline', 'tessera', 'policy', 'build']).status).toBe(0);
    } finally {
      await first.stop();
    }

    // Step 5: the same calls in-process, and over zeromq.
    const inProcess = await runApp(/✓ 2 modules ready/, 'tessera.inprocess.json');
    try {
      const r = call('welcome', 'welcome', '["Ada"]', '--config', 'tessera.inprocess.json');
      expect(r.stdout.trim()).toBe('"Hello, Ada! Welcome aboard."');
    } finally {
      await inProcess.stop();
    }
    const configFile = join(app, 'tessera.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, transport: { kind: 'zeromq' } }));
    expect(doc).toContain('"transport": { "kind": "zeromq" }');
    const zeromq = await runApp(/✓ 2 modules ready .* over zeromq/);
    try {
      expect(call('welcome', 'welcome', '["Ada"]').stdout.trim()).toBe(
        '"Hello, Ada! Welcome aboard."',
      );
    } finally {
      await zeromq.stop();
    }
  }, 180_000);
});
