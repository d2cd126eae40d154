import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { runPathsFor } from '@tessera/core';
import { RpcPeer } from '@tessera/transport';
import { IpcTransport } from '@tessera/transport-ipc';
import { OperatorSession } from '../src';
import { join } from 'node:path';
import {
  CLI,
  isAlive,
  needsBuild,
  removeTestDir,
  REPO,
  Running,
  tempApp,
  tempBundle,
  tessera,
} from '../src/testing';

/**
 * The real built CLI against the demo modules: `tessera run` in one child
 * process, `ls`, `call` and `inspect` as separate processes talking to its
 * operator socket, then SIGINT.
 */
describe('tessera run / ls / call / inspect (built CLI, child processes)', () => {
  let app: { dir: string; config: string };
  let run: Running;
  const pids: number[] = [];

  beforeAll(async () => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    app = tempApp('operate');
    run = new Running(CLI, ['run', app.config]);
    await run.waitFor(/operator {6}ipc:\/\//);
  }, 180_000);

  afterAll(async () => {
    await run?.stop();
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (app) removeTestDir(app.dir);
  });

  const cfg = () => ['--config', app.config];

  it('run prints each module loading and ready with its pid, then the summary and the operator socket', () => {
    for (const m of ['storage', 'notes', 'audit']) {
      expect(run.stdout).toContain(`▸ loading ${m}\n`);
      expect(run.stdout).toMatch(new RegExp(`✓ ${m} ready in \\d+ ms \\(pid \\d+\\)`));
    }
    expect(run.stdout.indexOf('loading storage')).toBeLessThan(run.stdout.indexOf('loading notes'));
    expect(run.stdout.indexOf('loading notes')).toBeLessThan(run.stdout.indexOf('loading audit'));
    expect(run.stdout).toMatch(
      /✓ 3 modules ready in .+ · process isolation over ipc · policy \.\.\/.*policies\/build/,
    );
    expect(existsSync(join(app.dir, '.tessera/run/tessera.config.json/run.json'))).toBe(true);
  });

  it('ls lists the three modules as ready with their pids; --json has the same rows', async () => {
    const r = await tessera('ls', ...cfg());
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^MODULE +STATE +PID +UPTIME +RESTARTS +CPU% +RSS$/);
    for (const m of ['audit', 'notes', 'storage'])
      expect(r.stdout).toMatch(new RegExp(`^${m} +ready +\\d+ +`, 'm'));
    const json = await tessera('ls', '--json', ...cfg());
    const rows = JSON.parse(json.stdout) as {
      name: string;
      state: string;
      pid: number;
      restarts: number;
    }[];
    expect(rows.map((x) => [x.name, x.state, x.restarts])).toEqual([
      ['audit', 'ready', 0],
      ['notes', 'ready', 0],
      ['storage', 'ready', 0],
    ]);
    for (const row of rows) {
      expect(isAlive(row.pid)).toBe(true);
      pids.push(row.pid);
    }
  });

  it('call notes add prints the note as JSON and exits 0; storage holds it', async () => {
    const r = await tessera('call', 'notes', 'add', '["t","b"]', ...cfg());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const note = JSON.parse(r.stdout) as { id: string; title: string; body: string };
    expect(note).toMatchObject({ title: 't', body: 'b' });
    const stored = await tessera(
      'call',
      'storage',
      'get',
      JSON.stringify([`note:${note.id}`]),
      ...cfg(),
    );
    expect(JSON.parse(stored.stdout)).toEqual(note);
  });

  it('call storage set is allowed for the operator (data.tessera.operator.allow_calls) and prints true', async () => {
    const r = await tessera('call', 'storage', 'set', '["note:k",1]', ...cfg());
    expect([r.code, r.stdout.trim()]).toEqual([0, 'true']);
    const got = await tessera('call', 'storage', 'get', '["note:k"]', ...cfg());
    expect(JSON.parse(got.stdout)).toBe(1);
    // data.tessera.constraints lets the operator read only note:* keys: storage's door refuses the rest.
    const outside = await tessera('call', 'storage', 'get', '["k"]', ...cfg());
    expect([outside.code, outside.stderr]).toEqual([
      1,
      `denied: PERMISSION_DENIED: key "k" is outside this grant's constraint on get.key\n`,
    ]);
  });

  it('a misspelt method exits 1 with error: METHOD_NOT_FOUND and the nearest name on stderr', async () => {
    const r = await tessera('call', 'storage', 'gte', '["note:1"]', ...cfg());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "error: METHOD_NOT_FOUND: storage has no method 'gte'; did you mean 'get'?\n",
    );
  });

  it("audit's own write to storage is refused by its grant scope (tryTamper reports it)", async () => {
    const r = await tessera('call', 'audit', 'tryTamper', ...cfg());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      denied: true,
      code: 'PERMISSION_DENIED',
      reason: "'set' is not granted to audit on storage",
    });
  });

  it('a call to a module that is not loaded exits 1 with the error code', async () => {
    const r = await tessera('call', 'mail', 'send', '[]', ...cfg());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: NOT_FOUND: module 'mail' is not loaded\n");
  });

  it('inspect shows the live grants with methods, expiry and the policy reason; --json too', async () => {
    const r = await tessera('inspect', ...cfg());
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^CALLER → TARGET +METHODS +EXPIRES +REASON$/);
    expect(r.stdout).toMatch(
      /^notes → storage +delete, get, list, set +in (59 m \d+ s|60 m 0 s) +notes requires kv-read, kv-write provided by storage$/m,
    );
    expect(r.stdout).toMatch(
      /^audit → storage +event:changed +in \d+ m \d+ s +audit requires kv-watch provided by storage$/m,
    );
    // The inspecting session's own grant lives as long as its connection, as do modules' core tokens.
    expect(r.stdout).toMatch(
      /^operator → core +approvals, approve, .*callModule, .* +with its channel +the operator may manage the core$/m,
    );
    expect(r.stdout).toMatch(/^storage → core +.* +with its channel +/m);
    // A grant's constraints and rate limit follow its methods (data.tessera.constraints, limits).
    expect(r.stdout).toMatch(
      /^operator → storage +delete, event:changed, get, list, set · get\.key ∈ note:\* · list 1\/s \(burst 2\) +in \d+ m \d+ s +the operator may call any method of storage$/m,
    );
    expect(r.stdout).toMatch(/^\d+ live grants$/m);
    const json = JSON.parse(
      (await tessera('inspect', '--json', '--target', 'storage', ...cfg())).stdout,
    ) as Record<string, unknown>[];
    expect(json.map((g) => `${g.caller}→${g.target}`)).toEqual(
      expect.arrayContaining(['audit→storage', 'notes→storage']),
    );
    expect(
      json.every(
        (g) => g.target === 'storage' && typeof g.expiresAt === 'number' && !('token' in g),
      ),
    ).toBe(true);
  });

  it.each([
    ['args that are not JSON', ['call', 'notes', 'add', '[t'], 'args are not valid JSON'],
    [
      'args that are not an array',
      ['call', 'notes', 'add', '{"a":1}'],
      'args must be a JSON array',
    ],
    ['a missing method', ['call', 'notes'], 'missing <method>'],
    ['an unknown option', ['ls', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('exits 2 with the usage for %s', async (_what, args, message) => {
    const r = await tessera(...args, ...cfg());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`usage: tessera ${args[0]}`);
  });

  it("the operator socket answers only with this run's credential (a 0600 file); each session has its own grant", async () => {
    const state = JSON.parse(readFileSync(runPathsFor(app.config).stateFile, 'utf8')) as {
      operator: string;
      operatorKey: string;
    };
    expect(state.operatorKey).toBe(join(app.dir, '.tessera/run/tessera.config.json/operator.key'));
    expect(statSync(state.operatorKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(runPathsFor(app.config).stateFile, 'utf8')).not.toContain(
      readFileSync(state.operatorKey, 'utf8').trim(),
    );
    const credential = readFileSync(state.operatorKey, 'utf8').trim();
    // Reaching the socket is not enough: no credential, or a wrong one, gets no token.
    const refused = await OperatorSession.open(state.operator, 'x'.repeat(43)).catch(
      (e: { code?: string; message: string }) => e,
    );
    expect(refused).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/credential/),
    });
    const transport = new IpcTransport();
    const raw = new RpcPeer(await transport.connect(state.operator));
    await expect(raw.call('login', [])).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(raw.call('listModules', [], { token: 'a.b' })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    // A session's token is bound to its own connection: not usable before login, nor by another session.
    const a = new RpcPeer(await transport.connect(state.operator));
    const b = new RpcPeer(await transport.connect(state.operator));
    const tokenA = ((await a.call('login', [{ credential }])) as { token: string }).token;
    await expect(a.call('listModules', [], { token: tokenA })).resolves.toHaveLength(3);
    await expect(b.call('listModules', [], { token: tokenA })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const tokenB = ((await b.call('login', [{ credential }])) as { token: string }).token;
    await expect(b.call('listModules', [], { token: tokenA })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(b.call('listModules', [], { token: tokenB })).resolves.toHaveLength(3);
    await Promise.all([a.close(), b.close()]);
    await raw.close();
    await transport.close();
    // Two sessions and a separate `tessera ls` coexist; closing one leaves the other's grant.
    const one = await OperatorSession.open(state.operator, credential);
    const two = await OperatorSession.open(state.operator, credential);
    try {
      const operatorGrants = async () =>
        (await one.core.grants()).filter((g) => g.caller === 'operator' && g.target === 'core');
      expect(await operatorGrants()).toHaveLength(2);
      expect((await tessera('ls', ...cfg())).code).toBe(0);
      await two.close();
      await expect(one.core.listModules()).resolves.toHaveLength(3);
      for (let i = 0; i < 50 && (await operatorGrants()).length > 1; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(await operatorGrants()).toHaveLength(1); // two's grant went with its connection
    } finally {
      await one.close();
      await two.close().catch(() => undefined);
    }
  });

  it('SIGINT stops run cleanly: stopping…, stopped, exit 0, run.json and the credential removed, no module process left', async () => {
    expect(pids).toHaveLength(3);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(run.stdout).toMatch(/stopping…\nstopped\n$/);
    expect(code).toBe(0);
    expect(existsSync(runPathsFor(app.config).dir)).toBe(false);
    expect(existsSync(runPathsFor(app.config).runtimeDir)).toBe(false);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    const after = await tessera('ls', ...cfg());
    expect(after.code).toBe(1);
  });
});

describe('tessera call when the policy disables operator calls', () => {
  it('exits 1 with the policy reason', async () => {
    const bundle = tempBundle(
      'no-operator-bundle',
      (t) => ((t.operator as Record<string, unknown>).allow_calls = false),
    );
    const app = tempApp('no-operator', { isolation: 'in-process' }, bundle);
    const run = new Running(CLI, ['run', app.config]);
    try {
      await run.waitFor(/operator {6}ipc:\/\//);
      const r = await tessera('call', 'notes', 'list', '--config', app.config);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'denied: PERMISSION_DENIED: operator calls to modules are disabled (data.tessera.operator.allow_calls)\n',
      );
      // the core-manager surface stays open to the operator
      expect((await tessera('ls', '--config', app.config)).code).toBe(0);
    } finally {
      await run.stop();
      removeTestDir(app.dir);
      removeTestDir(bundle);
    }
  });
});
