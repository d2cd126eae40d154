import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO, Running, needsBuild, removeTestDir, tempApp, tessera } from '../src/testing';

/**
 * The built CLI against the demo app in child processes: `tessera audit
 * --follow` prints the security trail as it happens (a delegation, a
 * refused call), and `tessera inspect` shows where a delegated grant came from.
 */
describe('tessera audit --follow and inspect of a delegation (built CLI, child processes)', () => {
  let app: { dir: string; config: string };
  let run: Running;
  let follow: Running | undefined;

  beforeAll(async () => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    app = tempApp('audit-follow');
    run = new Running(CLI, ['run', app.config]);
    await run.waitFor(/operator {6}ipc:\/\//);
  }, 180_000);

  afterAll(async () => {
    await follow?.stop();
    await run?.stop();
    if (app) removeTestDir(app.dir);
  });

  const cfg = () => ['--config', app.config];

  it('follows the trail: recent events first, then a delegation and a refused call as they happen; Ctrl-C exits 0', async () => {
    follow = new Running(CLI, ['audit', '--follow', ...cfg()]);
    await follow.waitFor(/✓ module\.loaded +audit → core {2}ready in \d+ ms \(pid \d+\)\n/);
    expect(follow.stderr).toContain('following the security trail (Ctrl-C to stop)');

    const note = JSON.parse(
      (await tessera('call', 'notes', 'add', '["t","b"]', ...cfg())).stdout,
    ) as {
      id: string;
    };
    const shared = await tessera('call', 'notes', 'share', '["audit"]', ...cfg());
    expect(shared.code).toBe(0);
    await follow.waitFor(
      /✓ delegation\.granted audit → storage {2}\(via notes\) get: notes may delegate get on storage to audit\n/,
    );
    const read = await tessera('call', 'audit', 'readNote', JSON.stringify([note.id]), ...cfg());
    expect(JSON.parse(read.stdout)).toMatchObject({ id: note.id, title: 't' });

    expect((await tessera('call', 'storage', 'get', '["config:admin"]', ...cfg())).code).toBe(1);
    await follow.waitFor(
      /✗ call\.denied +operator → storage {2}×1 PERMISSION_DENIED get: key "config:admin" is outside this grant's constraint on get\.key\n/,
    );
    // Never a token: the followed lines name grants by id at most.
    expect(follow.stdout).not.toMatch(/[\w-]{22}\.[\w-]{22}/);

    await follow.stop('SIGINT');
    expect(await follow.exited).toEqual({ code: 0, signal: null });
    follow = undefined;
  }, 30_000);

  it('inspect shows the chain, and --json has parent and chain', async () => {
    const r = await tessera('inspect', '--caller', 'audit', ...cfg());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^audit → storage \(via notes\) +get · get\.key ∈ note:\* +in \d+ m \d+ s +notes may delegate get on storage to audit$/m,
    );
    const json = JSON.parse(
      (await tessera('inspect', '--json', '--caller', 'audit', ...cfg())).stdout,
    ) as {
      target: string;
      parent?: string;
      chain?: string[];
    }[];
    const notes = JSON.parse(
      (await tessera('inspect', '--json', '--caller', 'notes', ...cfg())).stdout,
    ) as {
      id: string;
      target: string;
    }[];
    const delegated = json.find((g) => g.chain !== undefined);
    expect(delegated).toMatchObject({ target: 'storage', chain: ['notes'] });
    expect(delegated?.parent).toBe(notes.find((g) => g.target === 'storage')?.id);
  });

  it('audit without --follow prints the recent events matching the filters, as JSON lines too; a bad filter is a usage error', async () => {
    const r = await tessera('audit', '--kind', 'delegation', '--json', ...cfg());
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e['kind'])).toEqual(['delegation.granted']);
    expect(events[0]).toMatchObject({
      subject: 'audit',
      target: 'storage',
      chain: ['notes'],
      outcome: 'success',
    });

    const denied = await tessera('audit', '--outcome', 'denied', '--module', 'storage', ...cfg());
    expect(denied.stdout).toMatch(/call\.denied +operator → storage/);
    expect(denied.stdout).not.toMatch(/grant\.issued|module\.loaded/);

    const bad = await tessera('audit', '--outcome', 'maybe', ...cfg());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--outcome is one of success, denied, failure');
  });

  it('the app writes the same trail to .tessera/security.jsonl beside the decision log', () => {
    const file = join(app.dir, '.tessera/security.jsonl');
    expect(existsSync(file)).toBe(true);
    const kinds = readFileSync(file, 'utf8')
      .split('\n')
      .slice(0, -1) // complete lines only: the running app may be mid-write
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'module.loaded',
        'operator.session',
        'delegation.granted',
        'call.denied',
      ]),
    );
  });
});
