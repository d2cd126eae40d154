import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPathsFor, sweepStaleRun } from '@tessera/core';
import {
  CLI,
  needsBuild,
  REPO,
  Running,
  removeTestDir,
  runNode,
  tempApp,
  tempBundle,
  tessera,
} from '../src/testing';

const IN_PROCESS = { isolation: 'in-process', transport: { kind: 'inproc' } };
const READY = /✓ 3 modules ready/;

/** Runtime state per app: keyed by the config's path, one run per config, stale runs swept, --check. */
describe('tessera run: runtime state per app (built CLI)', () => {
  const dirs: string[] = [];
  const configs: string[] = [];
  const running: Running[] = [];
  const app = (name: string, patch: Record<string, unknown> = IN_PROCESS) => {
    const made = tempApp(name, patch);
    dirs.push(made.dir);
    configs.push(made.config);
    return made;
  };
  const start = async (config: string) => {
    const run = new Running(CLI, ['run', config]);
    running.push(run);
    await run.waitFor(READY, 30_000);
    return run;
  };

  beforeAll(() => {
    if (needsBuild()) execFileSync('npx', ['nx', 'run-many', '-t', 'build'], { cwd: REPO });
  }, 300_000);
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    // What a killed run leaves (the point of some tests here) is swept, never left in the shared runtime dir.
    for (const config of configs.splice(0)) await sweepStaleRun(config);
  });
  afterAll(() => dirs.forEach(removeTestDir));

  it('two configs in one folder run side by side, each with its own run.json, credential and sockets', async () => {
    const { dir, config } = app('two-configs');
    const other = join(dir, 'tessera.other.json');
    copyFileSync(config, other);
    configs.push(other);
    const one = await start(config);
    const two = await start(other);
    const [a, b] = [runPathsFor(config), runPathsFor(other)];
    expect(a.stateFile).toBe(join(dir, '.tessera/run/tessera.config.json/run.json'));
    expect(b.stateFile).toBe(join(dir, '.tessera/run/tessera.other.json/run.json'));
    expect(a.runtimeDir).not.toBe(b.runtimeDir);
    expect(readdirSync(a.runtimeDir).some((f) => f.endsWith('.sock'))).toBe(true);
    // `ls` reaches the app of the config it is given, not the other one.
    const lsOne = await tessera('ls', '--config', config);
    const lsTwo = await tessera('ls', '--config', other);
    expect(lsOne.code).toBe(0);
    expect(lsTwo.code).toBe(0);
    const pidOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
    expect(pidOf(a.stateFile)).toBe(one.child.pid);
    expect(pidOf(b.stateFile)).toBe(two.child.pid);
    // Stopping one leaves the other reachable.
    one.child.kill('SIGINT');
    expect((await one.exited).code).toBe(0);
    expect((await tessera('ls', '--config', config)).code).toBe(1);
    expect((await tessera('ls', '--config', other)).code).toBe(0);
    expect(existsSync(b.stateFile)).toBe(true);
  }, 60_000);

  it("keeps each module's data across stops: data lives in .tessera/data, outside the run's own state", async () => {
    const { dir, config } = app('data-kept', {});
    const run = await start(config);
    const data = join(dir, '.tessera/data/storage');
    expect(existsSync(data)).toBe(true);
    expect(data.startsWith(runPathsFor(config).dir)).toBe(false);
    writeFileSync(join(data, 'kept.txt'), 'still here');
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
    expect(existsSync(runPathsFor(config).stateFile)).toBe(false);
    expect(readFileSync(join(data, 'kept.txt'), 'utf8')).toBe('still here');
  }, 60_000);

  it('starting the same config twice is refused, naming the running pid', async () => {
    const { config } = app('twice');
    const first = await start(config);
    const second = await tessera('run', config);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `tessera run: tessera.config.json is already running (pid ${first.child.pid}, since `,
    );
    expect(second.stderr).toContain(
      `stop it first (Ctrl-C in its terminal, or kill ${first.child.pid})`,
    );
    // The refused start took nothing away from the running one.
    expect((await tessera('ls', '--config', config)).code).toBe(0);
  }, 60_000);

  const sockets = (dir: string) =>
    readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.sock'));

  it.each([
    ['in-process over inproc', IN_PROCESS, /^\d+-[0-9a-f]+\.sock$/],
    [
      'a process per module over zeromq',
      { isolation: 'process', transport: { kind: 'zeromq' } },
      /^tessera-zmq-\w+\/listener\.sock$/,
    ],
  ])(
    'a killed run (kill -9, %s) leaves state and sockets that the next run detects and sweeps',
    async (_how, patch, socket) => {
      const { config } = app('killed', patch);
      const paths = runPathsFor(config);
      const killed = await start(config);
      killed.child.kill('SIGKILL'); // not stop(): that sweeps, and the sweep is what is tested
      await killed.exited;
      expect(existsSync(paths.stateFile)).toBe(true); // left behind
      // The core's own sockets were made in the app's runtime dir (ipc operator, zeromq listener).
      expect(sockets(paths.runtimeDir).some((f) => socket.test(String(f)))).toBe(true);
      const next = await start(config);
      expect(next.stdout).toContain(
        `· swept the stale state of a run that did not stop cleanly (pid ${killed.child.pid}`,
      );
      next.child.kill('SIGINT');
      expect((await next.exited).code).toBe(0);
      expect(existsSync(paths.dir)).toBe(false);
      expect(existsSync(paths.runtimeDir)).toBe(false);
    },
    60_000,
  );

  it('ls after a kill -9 says the pid exited and sweeps what it left', async () => {
    const { config } = app('killed-ls');
    const paths = runPathsFor(config);
    const killed = await start(config);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const ls = await tessera('ls', '--config', config);
    expect(ls.code).toBe(1);
    expect(ls.stderr).toContain(
      `(pid ${killed.child.pid} has exited; its stale run state and sockets were swept)`,
    );
    expect(existsSync(paths.stateFile)).toBe(false);
    expect(existsSync(paths.runtimeDir)).toBe(false);
  }, 60_000);

  it('a second Ctrl-C still removes the run state and sockets', async () => {
    const { config } = app('forced');
    const paths = runPathsFor(config);
    const run = await start(config);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    await run.exited;
    expect(existsSync(paths.dir)).toBe(false);
    expect(existsSync(paths.runtimeDir)).toBe(false);
  }, 60_000);

  it('run --check validates config, manifests and policy without starting anything', async () => {
    const { config } = app('check', {}); // process isolation: no module code runs
    const r = await tessera('run', config, '--check');
    expect(r.stdout).toContain('✓ storage (@tessera-demo/storage)');
    expect(r.stdout).toMatch(
      /3 module manifest\(s\) and the policy .* are valid; nothing was started/,
    );
    expect(r.code).toBe(0);
    expect(existsSync(runPathsFor(config).dir)).toBe(false);
  }, 30_000);

  it.each([
    [
      'a module that is not installed',
      () => app('check-missing', { modules: ['@tessera-demo/storage', '@nobody/nothing'] }),
      /tessera run --check: .*@nobody\/nothing/,
    ],
    [
      'a missing policy bundle',
      () => app('check-bundle', { policy: { bundle: './nope' } }),
      /nope could not be loaded .*; build it with: npx tessera policy build/,
    ],
    [
      'a policy that keeps a module from its core channel',
      () =>
        app('check-deny', {
          policy: {
            bundle: tempBundle('check-deny-bundle', (t) => {
              t['deny'] = [{ caller: 'notes', target: 'core', reason: 'test' }];
            }),
          },
        }),
      /the policy does not let module notes register with the core, so it could not start: denied by deny list: notes -> core \(test\)/,
    ],
  ])(
    'run --check exits 2 for %s',
    async (_what, make, message) => {
      const { dir, config } = make();
      const r = await runNode(CLI, ['run', config, '--check'], dir);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    },
    30_000,
  );
});
