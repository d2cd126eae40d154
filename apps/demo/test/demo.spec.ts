import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
        "   ✗ denied, as scripted: PERMISSION_DENIED: 'wipe' is not granted to operator on storage\n",
      );
      expect(r.stdout).toMatch(
        /── scenario done: 6\/6 steps behaved as scripted ──\n\nstopping…\nstopped\n$/,
      );
      expect(r.stderr).toBe('');
      expect(existsSync(join(REPO, 'apps/demo/.tessera/run.json'))).toBe(false);
    },
    45_000,
  );

  it('without --exit keeps serving after the scenario, then stops on SIGINT with exit 0', async () => {
    const demo = new Running(DEMO, ['--config', 'apps/demo/tessera.inprocess.json']);
    try {
      await demo.waitFor(
        /serving until Ctrl-C; in another terminal try: npx tessera inspect --config apps\/demo\/tessera\.inprocess\.json\n/,
      );
      expect(existsSync(join(REPO, 'apps/demo/.tessera/run.json'))).toBe(true);
      demo.child.kill('SIGINT');
      expect((await demo.exited).code).toBe(0);
      expect(demo.stdout).toMatch(/stopping…\nstopped\n$/);
      expect(existsSync(join(REPO, 'apps/demo/.tessera/run.json'))).toBe(false);
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
      expect(r.stdout).toContain('── scenario done: 0/6 steps behaved as scripted ──');
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
