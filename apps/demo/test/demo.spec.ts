import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stateFileFor } from '@tessera/core';
import {
  DEMO,
  REPO,
  Running,
  needsBuild,
  removeTestDir,
  runNode,
  tempApp,
  tempBundle,
} from '@tessera/cli/testing';

/**
 * The demo as a newcomer runs it (`npm start -- [--config file] --exit`),
 * on each shipped config: the scenario's allowed calls succeed, both denials
 * print the reason, and the exit code says whether every step behaved.
 */
describe('apps/demo (built, child process)', () => {
  beforeAll(() => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run', 'demo:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
  }, 180_000);

  const variants: [string, string, RegExp][] = [
    [
      'ipc (the default)',
      'apps/demo/tessera.config.json',
      /✓ storage ready in \d+ ms \(pid \d+\)[\s\S]*· process isolation over ipc/,
    ],
    [
      'in-process',
      'apps/demo/tessera.inprocess.json',
      /✓ storage ready in \d+ ms \(in-process\)[\s\S]*· in-process over ipc/,
    ],
    [
      'zeromq',
      'apps/demo/tessera.zeromq.json',
      /✓ storage ready in \d+ ms \(pid \d+\)[\s\S]*· process isolation over zeromq/,
    ],
  ];

  it.each(variants)(
    '--exit on %s plays the scenario, prints the denial reasons and exits 0',
    async (_name, config, started) => {
      const r = await runNode(DEMO, ['--config', config, '--exit'], REPO, 40_000);
      if (r.code !== 0)
        throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      expect(r.stdout).toMatch(started);
      for (const m of ['storage', 'notes', 'audit']) expect(r.stdout).toContain(`▸ loading ${m}\n`);
      expect(r.stdout).toContain(
        '1. operator → notes.add("Shopping", "milk, eggs")\n   ✓ allowed: note ',
      );
      expect(r.stdout).toContain('2. operator → notes.list()\n   ✓ allowed: 1 note: Shopping\n');
      expect(r.stdout).toMatch(
        /3\. operator → storage\.get\("note:[0-9a-f-]{36}"\)\n {3}✓ allowed: notes stored it there: "milk, eggs"\n/,
      );
      expect(r.stdout).toContain(
        '   ✓ allowed: audit saw 2 events (notes.noteAdded 1, storage.changed 1)\n',
      );
      expect(r.stdout).toContain(
        "   ✗ denied, as scripted: PERMISSION_DENIED: 'set' is not granted to audit on storage\n" +
          "     audit's grant on storage: event:changed (policy: audit requires kv-watch provided by storage)\n",
      );
      expect(r.stdout).toContain(
        "   ✗ no such method, as scripted: METHOD_NOT_FOUND: storage has no method 'gte'; did you mean 'get'?\n",
      );
      // Ask: the request waits for the operator, with the code the module logs too.
      const asked =
        /\? notes → audit \(recent, summary\) waits for your approval: tessera approve ([0-9a-f]{8}) --code (\d{6}) {3}\(notes requires audit-read provided by audit; the operator must approve it: the audit log is sensitive\)\n/.exec(
          r.stdout,
        );
      if (!asked) throw new Error(`no ask in the output:\n${r.stdout}`);
      const [, id, code] = asked;
      expect(r.stdout).toContain(
        `   ✗ a wrong code is refused: PERMISSION_DENIED: the verification code does not match request ${id} (4 tries left)`,
      );
      expect(r.stdout).toContain(
        `   → as the operator: tessera approve ${id} --code ${code} --methods summary\n` +
          `✓ ${id} notes → audit approved (summary) for 3600 s\n` +
          "   ✓ allowed: notes read audit's summary under the approved grant: 2 events seen\n",
      );
      // Grant terms: storage's door refuses a key outside the operator's constraint, and the
      // third of three quick lists over the rate limit, then lets one through after the wait.
      expect(r.stdout).toContain(
        '8. operator → storage.get("config:admin")   (the policy lets the operator read only note:* keys)\n' +
          `   ✗ denied, as scripted: PERMISSION_DENIED: key "config:admin" is outside this grant's constraint on get.key\n` +
          "     operator's grant on storage: delete, event:changed, get, list, set · get.key ∈ note:* · list 1/s (burst 2) (policy: the operator may call any method of storage)\n",
      );
      expect(r.stdout).toMatch(
        /9\. operator → storage\.list\("note:"\) × 3 at once {3}\(the policy allows the operator 1 list a second, burst 2\)\n {3}✓ allowed: 2 served, the 3rd refused before storage ran: RESOURCE_EXHAUSTED: rate limit: operator may call list on storage 1 time a second \(burst 2\); retry in (\d+) ms\n10\. operator → storage\.list\("note:"\) again, \1 ms later {3}\(the bucket refilled\)\n {3}✓ allowed: 1 key: note:[0-9a-f-]{36}\n/,
      );
      expect(r.stdout).toMatch(
        /11\. operator → audit\.readNote\("[0-9a-f]{8}…"\) {3}\(audit's own grant on storage has no get\)\n {3}✗ denied, as scripted: PERMISSION_DENIED: 'get' is not granted to audit on storage\n {5}audit's grants on storage: audit → storage: event:changed\n12\. operator → notes\.share\("audit"\) {3}\(notes hands audit get on storage, out of its own grant\)\n {3}✓ allowed: notes handed audit get on storage for \d+ min, no longer than its own grant \(grant [\w-]{8}…\)\n13\. operator → audit\.readNote\("[0-9a-f]{8}…"\) {3}\(now under notes's delegation\)\n {3}✓ allowed: audit read "Shopping"; audit → storage: event:changed · audit → storage \(via notes\): get · get\.key ∈ note:\*\n/,
      );
      expect(r.stdout).toMatch(
        /── scenario done: 13\/13 steps behaved as scripted ──\n\nstopping…\nstopped\n$/,
      );
      // The one line a module writes: notes, waiting for the operator, with the same code.
      expect(r.stderr).toBe(
        `[notes] info waiting for operator approval to call audit (recent, summary): request ${id}, code ${code} (notes requires audit-read provided by audit; the operator must approve it: the audit log is sensitive)\n`,
      );
      expect(existsSync(stateFileFor(join(REPO, config)))).toBe(false);
    },
    45_000,
  );

  it('without --exit keeps serving after the scenario, then stops on SIGINT with exit 0', async () => {
    const demo = new Running(DEMO, ['--config', 'apps/demo/tessera.inprocess.json']);
    try {
      await demo.waitFor(
        /serving until Ctrl-C; in another terminal try: npx tessera inspect --config apps\/demo\/tessera\.inprocess\.json\n/,
      );
      expect(existsSync(stateFileFor(join(REPO, 'apps/demo/tessera.inprocess.json')))).toBe(true);
      demo.child.kill('SIGINT');
      expect((await demo.exited).code).toBe(0);
      expect(demo.stdout).toMatch(/stopping…\nstopped\n$/);
      expect(existsSync(stateFileFor(join(REPO, 'apps/demo/tessera.inprocess.json')))).toBe(false);
    } finally {
      await demo.stop();
    }
  }, 30_000);

  it('--exit exits 1 when steps do not behave as scripted (a policy that refuses the operator)', async () => {
    const bundle = tempBundle(
      'demo-no-operator-bundle',
      (t) => ((t.operator as Record<string, unknown>).allow_calls = false),
    );
    const app = tempApp('demo-no-operator', { isolation: 'in-process' }, bundle);
    try {
      const r = await runNode(DEMO, ['--config', app.config, '--exit']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        '   ! step 1 did not behave as scripted: expected to be allowed, got PERMISSION_DENIED: operator calls to modules are disabled (data.tessera.operator.allow_calls)\n',
      );
      // a denial for another reason than the scripted one is not "as scripted"
      expect(r.stderr).toContain(
        "   ! step 5 did not behave as scripted: expected a denial ('set' is not granted to audit on storage), got PERMISSION_DENIED: operator calls",
      );
      expect(r.stdout).toContain('── scenario done: 0/13 steps behaved as scripted ──');
    } finally {
      removeTestDir(app.dir);
      removeTestDir(bundle);
    }
  }, 30_000);

  it('exits 2 with its usage for an unknown option, and 0 for --help', async () => {
    const bad = await runNode(DEMO, ['--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("demo: Unknown option '--frobnicate'");
    const help = await runNode(DEMO, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--exit');
  });
});
