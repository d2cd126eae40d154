import { execFileSync } from 'node:child_process';
import { CLI, needsBuild, removeTestDir, REPO, Running, tempApp, tessera } from '../src/testing';

/** `tessera dashboard` as a child process, attached to `tessera run` of the demo modules. */
describe('tessera dashboard (built CLI, child processes)', () => {
  let app: { dir: string; config: string };
  let run: Running;
  const children: Running[] = [];
  const dashboard = (...args: string[]) => {
    const child = new Running(CLI, ['dashboard', ...args, '--config', app.config]);
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    app = tempApp('dashboard-cli');
    run = new Running(CLI, ['run', app.config]);
    await run.waitFor(/operator {6}ipc:\/\//);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await run?.stop();
    if (app) removeTestDir(app.dir);
  });

  it('prints a one-time login URL on loopback that logs in once, and stops when the app stops', async () => {
    const d = dashboard('--port', '0');
    await d.waitFor(/serving the dashboard/);
    const url = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]{43})\n/.exec(
      d.stdout,
    )?.[1];
    expect(url).toBeDefined();
    expect(d.stdout).toMatch(/good for 15 minutes[\s\S]*run `tessera dashboard` for a new one/);
    const login = await fetch(url!, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(login.headers.get('location')).toMatch(/^\/#k=[\w-]{43}$/);
    expect((await fetch(url!, { redirect: 'manual' })).status).toBe(401);
    // The browser's session is an operator session of its own, on the trail.
    const sessions = await tessera(
      'audit',
      '--json',
      '--kind',
      'operator.session',
      '--config',
      app.config,
    );
    expect(sessions.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);

    await run.stop('SIGTERM');
    expect((await d.exited).code).toBe(1);
    expect(d.stderr).toContain('the app stopped');
  }, 60_000);

  it('refuses a non-loopback host without --allow-exposed, and an app that is not running', async () => {
    const exposed = await tessera('dashboard', '--host', '0.0.0.0', '--config', app.config);
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toMatch(/--host 0\.0\.0\.0 is not loopback: add --allow-exposed/);
    // A name that merely starts like a loopback address is not loopback.
    const named = await tessera('dashboard', '--host', '127.evil.example', '--config', app.config);
    expect([named.code, named.stderr]).toEqual([
      2,
      expect.stringMatching(/--host 127\.evil\.example is not loopback/),
    ]);
    const badPort = await tessera('dashboard', '--port', 'x', '--config', app.config);
    expect([badPort.code, badPort.stderr]).toEqual([
      2,
      expect.stringMatching(/--port takes a port number/),
    ]);
    const none = await tessera('dashboard', '--config', app.config);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no running app/);
  });
});
