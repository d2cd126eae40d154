import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateFileFor } from '@tessera/core';
import {
  brokenModule,
  CLI,
  needsBuild,
  removeTestDir,
  REPO,
  Running,
  runNode,
  tempApp,
  tessera,
} from '../src/testing';

/** What the built CLI prints and returns when there is nothing to talk to or the app cannot start. */
describe('tessera: help, version, usage errors and start-up failures (built CLI)', () => {
  const dirs: string[] = [];
  const app = (name: string, patch: Record<string, unknown> = {}) => {
    const made = tempApp(name, patch);
    dirs.push(made.dir);
    return made;
  };

  beforeAll(() => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
  }, 180_000);
  afterAll(() => dirs.forEach(removeTestDir));

  it('--help lists every command and the exit codes; --version prints the package version', async () => {
    const help = await tessera('--help');
    expect(help.code).toBe(0);
    for (const c of ['run', 'ls', 'call', 'inspect', 'policy build', 'policy test', 'policy eval'])
      expect(help.stdout).toMatch(new RegExp(`^  tessera ${c} +\\S`, 'm'));
    expect(help.stdout).toContain(
      'Exit codes:\n  0  ok\n  1  failure, a denied call, or no running app\n  2  usage error',
    );
    const version = await tessera('--version');
    expect([version.code, version.stdout]).toEqual([0, 'tessera 0.1.0\n']);
  });

  it.each([['run'], ['ls'], ['call'], ['inspect'], ['version']])(
    'tessera %s --help prints its usage and exits 0',
    async (cmd) => {
      const r = await tessera(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: tessera ${cmd}`));
      expect(r.stdout).toContain('Exit code');
    },
  );

  it('an unknown command exits 2 with the usage', async () => {
    const r = await tessera('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("tessera: unknown command 'frobnicate'");
    expect(r.stderr).toContain('usage: tessera <command> [options]');
  });

  it.each(['ls', 'inspect', 'call notes list'])(
    '%s with no running app exits 1 and says how to start one',
    async (cmd) => {
      const { dir } = app('no-app');
      const r = await runNode(CLI, cmd.split(' '), dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `tessera ${cmd.split(' ')[0]}: no running app for ./tessera.config.json: start it with \`tessera run\`\n`,
      );
    },
  );

  it('a stale run.json (dead pid) is reported as no running app', async () => {
    const { config } = app('stale');
    execFileSync('mkdir', ['-p', dirname(stateFileFor(config))]);
    writeFileSync(
      stateFileFor(config),
      JSON.stringify({ pid: 2 ** 22 + 1, operator: 'ipc:///nowhere.sock', config, startedAt: '' }),
    );
    const r = await tessera('ls', '--config', config);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `(pid ${2 ** 22 + 1} has exited, or its operator socket no longer answers; the next \`tessera run\` sweeps its stale run state): start it with \`tessera run\``,
    );
    // Reported, not removed: only a start sweeps, under the run lock.
    expect(existsSync(stateFileFor(config))).toBe(true);
  });

  it('run exits 2 with the file and field for a config mistake', async () => {
    const { config } = app('bad-config', { transport: { kind: 'tcp' } });
    const r = await tessera('run', config);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tessera run: tessera.config.json: transport.kind must be one of "inproc", "ipc", "zeromq" (got "tcp")\n',
    );
  });

  it('run exits 2 for a missing config file and for a missing policy bundle', async () => {
    const missing = await runNode(CLI, ['run', 'nope.json'], REPO);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`tessera run: config file not found: ${join(REPO, 'nope.json')}\n`);
    const { config } = app('no-bundle', { policy: { bundle: './no-such-bundle' } });
    const r = await tessera('run', config);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no-such-bundle could not be loaded .*; build it with: npx tessera policy build\n$/,
    );
  });

  it('run prints ✗ <module> failed: <reason> and exits 1 when a module cannot start, leaving no run.json', async () => {
    const cfg = app('broken');
    const config = JSON.parse(readFileSync(cfg.config, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      cfg.config,
      JSON.stringify({ ...config, modules: ['@tessera-demo/storage', brokenModule(cfg.dir)] }),
    );
    const run = new Running(CLI, ['run', cfg.config]);
    try {
      const { code } = await run.exited;
      expect(run.stdout).toMatch(/✓ storage ready in \d+ ms/);
      expect(run.stdout).toContain('▸ loading broken\n');
      expect(run.stderr).toMatch(/^✗ broken failed: .+/m);
      expect(code).toBe(1);
      expect(existsSync(stateFileFor(cfg.config))).toBe(false);
    } finally {
      await run.stop();
    }
  });
});
