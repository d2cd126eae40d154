import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../src/testing';

const run = (cmd: string, args: string[], cwd: string) =>
  spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000 });

/**
 * The README's first commands in a fresh clone: `npm install`, then
 * `npx tessera --help`. npm links the committed bin shim at install time;
 * before the build it says what to run, after it it runs the CLI. (A clone
 * of the committed HEAD; npm installs from its cache, scripts skipped.)
 */
describe('npx tessera in a fresh clone', () => {
  let root: string;
  let clone: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tessera-clone-'));
    clone = join(root, 'tessera');
    const cloned = run('git', ['clone', '--quiet', REPO, clone], root);
    expect(cloned.stderr).toBe('');
    const installed = run(
      'npm',
      ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'],
      clone,
    );
    if (installed.status !== 0) throw new Error(`npm install failed:\n${installed.stderr}`);
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('links the tessera bin at install time, to the committed shim', () => {
    const bin = join(clone, 'node_modules/.bin/tessera');
    expect(existsSync(bin)).toBe(true);
    expect(realpathSync(bin)).toBe(realpathSync(join(clone, 'packages/cli/bin/tessera.js')));
  });

  it('before the build, says exactly what to run', () => {
    const r = run('npx', ['--offline', 'tessera', '--help'], clone);
    expect(r.stderr).not.toContain('could not determine executable');
    expect(r.stderr).toContain('tessera: the CLI is not built yet');
    expect(r.stderr).toContain('npm run build');
    expect(r.status).toBe(1);
  }, 60_000);

  it('after the build, runs the CLI', () => {
    // What `npm run build` leaves in packages/*/dist, taken from this checkout's build.
    for (const name of readdirSync(join(REPO, 'packages'))) {
      const dist = join(REPO, 'packages', name, 'dist');
      if (existsSync(dist))
        cpSync(dist, join(clone, 'packages', name, 'dist'), { recursive: true });
    }
    const r = run('npx', ['--offline', 'tessera', '--help'], clone);
    expect(r.stdout).toContain('usage: tessera');
    expect(r.stdout).toContain('policy build');
    expect(r.status).toBe(0);
  }, 60_000);
});
