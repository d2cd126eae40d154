import { execFileSync } from 'node:child_process';
import { CLI, needsBuild, removeTestDir, REPO, Running, tempApp, tessera } from '../src/testing';

interface Waiting {
  id: string;
  code: string;
  caller: string;
  target: string;
  methods: string[];
}

/**
 * The operator's controls with the real built CLI, each command its own
 * process, against the demo modules under the default policy, whose
 * data.tessera.ask makes notes → audit wait for the operator.
 */
describe('tessera approvals / approve / deny / revoke / grants --watch (built CLI, child processes)', () => {
  let app: { dir: string; config: string };
  let run: Running;
  const children: Running[] = [];
  const cfg = () => ['--config', app.config];
  const spawn = (...args: string[]) => {
    const child = new Running(CLI, [...args, ...cfg()]);
    children.push(child);
    return child;
  };
  /** The one request waiting, as `tessera approvals --json` lists it. */
  const waitingRequest = async (): Promise<Waiting> => {
    const end = Date.now() + 10_000;
    for (;;) {
      const r = await tessera('approvals', '--json', ...cfg());
      const list = JSON.parse(r.stdout) as Waiting[];
      if (list.length === 1) return list[0] as Waiting;
      if (Date.now() > end) throw new Error(`no request waits: ${r.stdout}${r.stderr}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };

  beforeAll(async () => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    app = tempApp('controls');
    run = new Running(CLI, ['run', app.config]);
    await run.waitFor(/operator {6}ipc:\/\//);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await run?.stop();
    if (app) removeTestDir(app.dir);
  });

  it('lists the waiting request with its code (the module logs the same one); a wrong code is refused; the right one lets the call finish', async () => {
    const call = spawn('call', 'notes', 'activity');
    const a = await waitingRequest();
    expect(a).toMatchObject({ caller: 'notes', target: 'audit', methods: ['recent', 'summary'] });
    expect(a.code).toMatch(/^\d{6}$/);
    await run.waitFor(
      new RegExp(
        `\\? notes → audit \\(recent, summary\\) waits for your approval: tessera approve ${a.id} --code ${a.code} {3}\\(notes requires audit-read provided by audit; the operator must approve it: the audit log is sensitive\\)\\n`,
      ),
    );
    expect(run.stderr).toContain(
      `[notes] info waiting for operator approval to call audit (recent, summary): request ${a.id}, code ${a.code} (`,
    );
    const table = await tessera('approvals', ...cfg());
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID +CALLER → TARGET +METHODS +CODE +WAITING +REASON$/,
    );
    expect(table.stdout).toMatch(
      new RegExp(
        `^${a.id} +notes → audit +recent, summary +${a.code} +[\\d.]+ (ms|s) +notes requires`,
        'm',
      ),
    );

    const wrong = String((Number(a.code) + 1) % 1_000_000).padStart(6, '0');
    const refused = await tessera('approve', a.id, '--code', wrong, ...cfg());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^refused: PERMISSION_DENIED: the verification code does not match request ${a.id}`,
      ),
    );
    const wider = await tessera(
      'approve',
      a.id,
      '--code',
      a.code,
      '--methods',
      'summary,wipe',
      ...cfg(),
    );
    expect([wider.code, wider.stderr]).toEqual([
      1,
      expect.stringContaining('INVALID_ARGUMENT: an approval may only narrow'),
    ]);
    expect(call.child.exitCode).toBeNull(); // still waiting

    const ok = await tessera('approve', a.id, '--code', a.code, '--methods', 'summary', ...cfg());
    expect([ok.code, ok.stdout]).toEqual([
      0,
      `approved ${a.id}: notes → audit (summary) for 3600 s\n`,
    ]);
    expect((await call.exited).code).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ total: expect.any(Number) });
    const grants = JSON.parse(
      (await tessera('inspect', '--json', '--caller', 'notes', '--target', 'audit', ...cfg()))
        .stdout,
    ) as { methods: string[]; reason: string }[];
    expect(grants).toEqual([
      expect.objectContaining({
        methods: ['summary'],
        reason: expect.stringContaining(`approved by the operator (request ${a.id})`),
      }),
    ]);
  });

  it("grants --watch prints the revocation; the next call waits again and a denial reaches it with the operator's reason", async () => {
    const watch = spawn('grants', '--watch', '--target', 'audit');
    await watch.waitFor(/watching grant changes \(Ctrl-C to stop\)\n/);
    expect(watch.stdout).toMatch(/^notes → audit +summary +in /m); // the list first, as inspect prints it
    const follow = spawn('approvals', '--follow');
    await follow.waitFor(/following requests for approval \(Ctrl-C to stop\)\n/);

    const revoked = await tessera(
      'revoke',
      'notes',
      'audit',
      '--reason',
      'done for today',
      ...cfg(),
    );
    expect([revoked.code, revoked.stdout]).toEqual([0, 'revoked 1 grant of notes on audit\n']);
    await watch.waitFor(
      /^\d\d:\d\d:\d\d - notes → audit {2}summary {2}\(revoked by the operator: done for today\)$/m,
    );
    expect((await tessera('revoke', 'notes', 'audit', ...cfg())).stdout).toBe(
      'no live grant of notes on audit (a remembered approval, if any, is forgotten)\n',
    );

    const call = spawn('call', 'notes', 'activity');
    const b = await waitingRequest();
    await follow.waitFor(
      new RegExp(
        `^\\? ${b.id} notes → audit \\(recent, summary\\) waits for approval, code ${b.code}: `,
        'm',
      ),
    );
    const denied = await tessera('deny', b.id, '--reason', 'not today', ...cfg());
    expect([denied.code, denied.stdout]).toEqual([0, `denied ${b.id}: notes → audit: not today\n`]);
    const ended = await call.exited;
    expect(ended.code).toBe(1);
    expect(call.stderr).toBe(
      `denied: PERMISSION_DENIED: the operator denied notes → audit (request ${b.id}): not today\n`,
    );
    await follow.waitFor(
      new RegExp(`^✗ ${b.id} notes → audit denied by the operator: not today$`, 'm'),
    );
    expect((await tessera('approvals', ...cfg())).stdout).toBe(
      'no requests waiting for approval\n',
    );

    watch.child.kill('SIGINT');
    follow.child.kill('SIGINT');
    expect((await watch.exited).code).toBe(0);
    expect((await follow.exited).code).toBe(0);
  });

  it.each([
    [['approve'], 'missing <id>'],
    [['approve', 'x', '--ttl', 'soon'], "--ttl takes a whole number of seconds > 0, got 'soon'"],
    [['revoke', 'notes'], 'missing <target>'],
    [['deny'], 'missing <id>'],
  ])('exits 2 with the usage for %j', async (args, message) => {
    const r = await tessera(...args, ...cfg());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`usage: tessera ${args[0]}`);
  });

  it('refuses what the operator controls cannot do: an unknown request, a grant on the core', async () => {
    const unknown = await tessera('approve', 'nope', ...cfg());
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      expect.stringMatching(/^error: NOT_FOUND: no request "nope" is waiting/),
    ]);
    const core = await tessera('revoke', 'notes', 'core', ...cfg());
    expect([core.code, core.stderr]).toEqual([
      1,
      expect.stringMatching(/^error: FAILED_PRECONDITION: grants on the core/),
    ]);
  });
});
