import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSealedFile } from '@tessera/core';
import { CLI, needsBuild, removeTestDir, REPO, Running, tempApp, tessera } from '../src/testing';

/**
 * Multi-host through the real CLI: `tessera run` with ZeroMQ over tcp with
 * CURVE hosts storage; `tessera admit` mints a one-time credential; `tessera
 * host` (another process, its own key pair) serves notes, which calls the
 * core machine's storage; the operator calls notes across the boundary.
 */
describe('tessera admit / tessera host (built CLI, separate processes on 127.0.0.1)', () => {
  let app: { dir: string; config: string };
  let run: Running;
  let host: Running | undefined;

  beforeAll(async () => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    app = tempApp('remote', {
      modules: ['@tessera-demo/storage'],
      transport: { kind: 'zeromq' },
      network: { listen: 'tcp://127.0.0.1:0', hostListen: 'tcp://127.0.0.1:0' },
    });
    // Network mode seals the core's key and admissions: the passphrase comes from the environment.
    run = new Running(CLI, ['run', app.config], REPO, {
      ...process.env,
      TESSERA_PASSPHRASE: 'remote-host test passphrase',
    });
    await run.waitFor(/operator {6}ipc:\/\//);
  }, 180_000);

  afterAll(async () => {
    await host?.stop();
    await run?.stop('SIGINT');
    if (app) removeTestDir(app.dir);
  });

  it('admits a remote notes host with a one-time credential; calls cross machines both ways', async () => {
    expect(run.stdout).toContain('process isolation over zeromq');
    // The app's own module's name is never handed to a remote host.
    const own = await tessera('admit', '@tessera-demo/storage', '--config', app.config);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/'storage' is one of this app's own modules/);

    const admitted = await tessera('admit', '@tessera-demo/notes', '--config', app.config);
    expect(admitted.stderr).toBe('');
    expect(admitted.code).toBe(0);
    const credential = admitted.stdout.trim();
    expect(credential).toMatch(/^tessera-join\.[A-Za-z0-9_-]+$/);

    const child = spawn(
      process.execPath,
      [CLI, 'host', '--module', '@tessera-demo/notes', '--listen', 'tcp://127.0.0.1:0'],
      {
        cwd: REPO,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child.stdin.end(credential); // on stdin, never argv
    host = Object.assign(Object.create(Running.prototype) as Running, {
      child,
      stdout: '',
      stderr: '',
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((host as Running).stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((host as Running).stderr += d));
    Object.assign(host, {
      exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))),
    });
    await host.waitFor(
      /notes attached to tcp:\/\/127\.0\.0\.1:\d+, serving at tcp:\/\/127\.0\.0\.1:\d+/,
    );
    await run.waitFor(/✓ notes ready/);

    const added = await tessera('call', 'notes', 'add', '["far","away"]', '--config', app.config);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const note = JSON.parse(added.stdout) as { id: string; title: string };
    expect(note.title).toBe('far');
    // notes (remote) stored it in storage (on the core's machine): read it back from storage directly.
    const stored = await tessera(
      'call',
      'storage',
      'get',
      JSON.stringify([`note:${note.id}`]),
      '--config',
      app.config,
    );
    expect(JSON.parse(stored.stdout)).toMatchObject({ title: 'far', body: 'away' });

    const ls = await tessera('ls', '--json', '--config', app.config);
    const rows = JSON.parse(ls.stdout) as { name: string; state: string }[];
    expect(rows.map((r) => [r.name, r.state])).toEqual([
      ['notes', 'ready'],
      ['storage', 'ready'],
    ]);

    // The credential was spent: a second host presenting it is refused.
    const again = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(
        process.execPath,
        [CLI, 'host', '--module', '@tessera-demo/notes', '--listen', 'tcp://127.0.0.1:0'],
        { cwd: REPO },
      );
      let err = '';
      c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      c.stdin.end(credential);
      c.once('exit', (code) => resolve({ code, err }));
    });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/could not join/);

    // One live key per identity: a second admission needs --replace.
    const second = await tessera('admit', '@tessera-demo/notes', '--config', app.config);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already has an admitted remote host.*--replace/);
  }, 60_000);
});

describe('secrets at rest through the CLI', () => {
  let dir: string;
  beforeAll(() => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
  }, 180_000);
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-cli-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const node = (args: string[], env: NodeJS.ProcessEnv, cwd = REPO) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [CLI, ...args], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      c.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
  const env = { ...process.env, TESSERA_PASSPHRASE: undefined, TESSERA_PASSPHRASE_FILE: undefined };

  it('tessera run in network mode without a passphrase says how to give one, and starts nothing', async () => {
    const app = tempApp('nopass', {
      modules: ['@tessera-demo/storage'],
      transport: { kind: 'zeromq' },
      network: { listen: 'tcp://127.0.0.1:0' },
    });
    try {
      const r = await node(['run', app.config], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /encrypted at rest and needs a passphrase: set TESSERA_PASSPHRASE_FILE/,
      );
      expect(r.stdout).not.toMatch(/ready/);
    } finally {
      removeTestDir(app.dir);
    }
  }, 60_000);

  it('tessera host with the wrong passphrase fails clearly and leaves the identity file as it was', async () => {
    const file = join(dir, 'notes.identity');
    await writeSealedFile(
      file,
      { core: 'tcp://127.0.0.1:1', coreKey: 'k', module: 'notes', publicKey: 'p', secretKey: 's' },
      'the right passphrase',
      'host-identity',
    );
    const before = readFileSync(file);
    const wrong = join(dir, 'wrong.pass');
    writeFileSync(wrong, 'not the right one\n', { mode: 0o600 });
    const r = await node(
      [
        'host',
        '--module',
        '@tessera-demo/notes',
        '--identity-file',
        file,
        '--passphrase-file',
        wrong,
      ],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrong passphrase, or the file was altered/);
    expect(r.stderr).not.toContain('not the right one');
    expect(readFileSync(file)).toEqual(before);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 60_000);
});
