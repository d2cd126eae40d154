import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runNode } from '../src/testing';

/** `tessera init`: what it writes, and the mistakes it refuses with a message (the e2e runs the app). */
describe('tessera init', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'tessera-init-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes an app whose packages depend on this version of Tessera, the SDK as a peer of the module', async () => {
    const r = await runNode(CLI, ['init', 'shop'], root);
    expect(r.code).toBe(0);
    const version = (
      JSON.parse(readFileSync(join(CLI, '../../package.json'), 'utf8')) as { version: string }
    ).version;
    const pkg = JSON.parse(readFileSync(join(root, 'shop/package.json'), 'utf8')) as {
      name: string;
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.name).toBe('shop');
    expect(pkg.dependencies['@tessera/cli']).toBe(`^${version}`);
    expect(pkg.scripts['start']).toBe('npm run build && tessera run');
    const mod = JSON.parse(
      readFileSync(join(root, 'shop/modules/greeter/package.json'), 'utf8'),
    ) as { peerDependencies: Record<string, string>; dependencies?: unknown };
    expect(mod.peerDependencies).toEqual({ '@tessera/sdk': `^${version}` });
    expect(mod.dependencies).toBeUndefined();
    expect(readFileSync(join(root, 'shop/README.md'), 'utf8')).toMatch(/^# shop\n/);
    expect(readFileSync(join(root, 'shop/policies/authz.rego'), 'utf8')).toContain(
      'decision := base.decision',
    );
  });

  it('refuses a folder that is not empty, and writes nothing there', async () => {
    mkdirSync(join(root, 'taken'));
    writeFileSync(join(root, 'taken/notes.txt'), 'mine');
    const r = await runNode(CLI, ['init', 'taken'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tessera init: taken is not empty: choose a new folder');
  });

  it.each([['My App'], ['Shop'], ['.hidden']])(
    'refuses %j as an app name, saying why',
    async (name) => {
      const r = await runNode(CLI, ['init', name], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('cannot be an app name: use lowercase letters, digits');
    },
  );

  it('wants a folder', async () => {
    const r = await runNode(CLI, ['init'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing <dir>');
  });
});
