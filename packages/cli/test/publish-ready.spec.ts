import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO, needsBuild } from '../src/testing';

interface PackEntry {
  name: string;
  files: { path: string }[];
}

const PACKAGES = readdirSync(join(REPO, 'packages')).sort();
const manifest = (name: string) =>
  JSON.parse(readFileSync(join(REPO, 'packages', name, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;

/** What `npm pack` would publish for each package, read from `npm pack --dry-run --json`. */
describe('every @tessera package is ready to publish', () => {
  let packed: Map<string, Set<string>>;

  beforeAll(() => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run-many', '-t', 'build'], { cwd: REPO, stdio: 'ignore' });
    const r = spawnSync(
      'npm',
      ['pack', '--dry-run', '--json', ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])],
      { cwd: REPO, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    packed = new Map(
      (JSON.parse(r.stdout) as PackEntry[]).map((e) => [
        e.name,
        new Set(e.files.map((f) => f.path)),
      ]),
    );
  }, 300_000);

  it.each(PACKAGES)('%s: license, repository, engines, types, exports and files', (name) => {
    const pkg = manifest(name);
    expect(pkg['license']).toBe('MIT');
    expect(pkg['repository']).toMatchObject({ type: 'git', directory: `packages/${name}` });
    expect(pkg['engines']).toEqual({ node: '>=20.12' });
    const files = packed.get(pkg['name'] as string) as Set<string>;
    expect(files.has(pkg['types'] as string)).toBe(true);
    expect(files.has(pkg['main'] as string)).toBe(true);
    expect(files.has('README.md')).toBe(true);
    // Every export points at a file that ships.
    for (const target of Object.values(pkg['exports'] as Record<string, unknown>)) {
      const paths = typeof target === 'string' ? [target] : Object.values(target as object);
      for (const p of paths as string[]) {
        if (p === './package.json') continue;
        expect(files).toContain(normalize(p));
      }
    }
    // Nothing that is not for users: tests, build info (the starter's test is for users).
    const notForUsers = (f: string) =>
      !f.startsWith('templates/') && /\.spec\.|\/test\/|tsbuildinfo/.test(f);
    expect([...files].filter(notForUsers)).toEqual([]);
  });

  it.each(PACKAGES)('%s: every source map names sources that ship', (name) => {
    const files = packed.get(manifest(name)['name'] as string) as Set<string>;
    const maps = [...files].filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(REPO, 'packages', name, map), 'utf8')) as {
        sources: string[];
      };
      for (const source of sources) expect(files).toContain(normalize(join(dirname(map), source)));
    }
  });

  it('the base policy library ships with @tessera/policy, its tests do not', () => {
    const files = [...(packed.get('@tessera/policy') as Set<string>)];
    expect(files).toContain('rego/tessera/base/decision.rego');
    expect(files.filter((f) => f.startsWith('rego/test'))).toEqual([]);
  });

  it('the CLI ships its bin shim and the starter', () => {
    const files = packed.get('@tessera/cli') as Set<string>;
    expect(files).toContain('bin/tessera.js');
    expect(files).toContain('templates/starter/policies/authz.rego');
    expect(files).toContain('templates/starter/gitignore');
  });
});
