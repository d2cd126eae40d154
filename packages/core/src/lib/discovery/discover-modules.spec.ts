import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { type FixturePackage, modulePackage, tempApp } from '../../test/fixtures/module-packages';
import { discoverModules } from './discover-modules';
import { loadDefinition } from '@tessera/host';
import { errorOf } from '@tessera/protocol/testing';

const ROOT = resolve(__dirname, '../../../../..');

describe('discoverModules: the workspace example packages, by npm name', () => {
  it('resolves, validates and orders @tessera-demo/* from the repository root (needs `nx run-many -t build`)', async () => {
    const found = await discoverModules(
      { modules: ['@tessera-demo/audit', '@tessera-demo/notes', '@tessera-demo/storage'] },
      { cwd: ROOT },
    );
    expect(found.map((m) => m.manifest.name)).toEqual(['storage', 'notes', 'audit']);
    const notes = found[1];
    expect(notes?.packageName).toBe('@tessera-demo/notes');
    expect(realpathSync(notes?.packageDir ?? '')).toBe(realpathSync(join(ROOT, 'modules/notes')));
    expect(notes?.entryPath).toBe(join(notes?.packageDir ?? '', 'dist/index.js'));
    expect(notes?.manifest).toMatchObject({
      name: 'notes',
      version: '0.1.0',
      dependencies: ['storage'],
      requires: ['kv-read', 'kv-write', 'audit-read'],
      provides: {
        'notes-read': ['get', 'list'],
        'notes-write': ['add', 'remove'],
        'notes-watch': ['event:noteAdded'],
        'notes-activity': ['activity'],
        'notes-share': ['share'],
      },
      events: ['noteAdded'],
    });
    for (const m of found)
      expect(loadDefinition(m.entryPath, m.manifest.name).name).toBe(m.manifest.name);
  });
});

describe('discoverModules: fixture packages in a temporary app', () => {
  const apps: { remove(): void }[] = [];
  const app = (packages: FixturePackage[]): string => {
    const a = tempApp(packages);
    apps.push(a);
    return a.dir;
  };
  afterAll(() => apps.forEach((a) => a.remove()));

  it('finds packages by name and by ./ path, dependencies first', async () => {
    const dir = app([
      modulePackage('@acme/store', {}),
      { ...modulePackage('local-ui', { dependencies: ['store'] }), dir: 'mods/ui' },
    ]);
    const found = await discoverModules({ modules: ['./mods/ui', '@acme/store'] }, { cwd: dir });
    expect(found.map((m) => [m.spec, m.manifest.name])).toEqual([
      ['@acme/store', 'store'],
      ['./mods/ui', 'local-ui'],
    ]);
    expect(found[1]?.packageDir).toBe(join(dir, 'mods/ui'));
  });

  it('falls back to the main entry when exports hides ./package.json', async () => {
    const pkg = modulePackage('@acme/sealed', {});
    const dir = app([{ ...pkg, json: { ...pkg.json, exports: { '.': './index.js' } } }]);
    const [found] = await discoverModules({ modules: ['@acme/sealed'] }, { cwd: dir });
    expect(realpathSync(found?.packageDir ?? '')).toBe(
      realpathSync(join(dir, 'node_modules/@acme/sealed')),
    );
  });

  it('rejects a package without a tessera field', async () => {
    const dir = app([
      { json: { name: 'left-pad', version: '1.0.0', main: 'index.js' }, files: { 'index.js': '' } },
    ]);
    const err = await errorOf(discoverModules({ modules: ['left-pad'] }, { cwd: dir }));
    expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toBe(
      'package left-pad: package left-pad is not a Tessera module: its package.json has no "tessera" field',
    );
  });

  it('says how to install a package it cannot resolve', async () => {
    const dir = app([]);
    const err = await errorOf(discoverModules({ modules: ['@acme/nowhere'] }, { cwd: dir }));
    expect(err.code).toBe(ErrorCode.NOT_FOUND);
    expect(err.message).toBe(
      `cannot find module package '@acme/nowhere' from ${dir}: is it installed? (npm install @acme/nowhere)`,
    );
    const rel = await errorOf(discoverModules({ modules: ['./missing'] }, { cwd: dir }));
    expect(rel.message).toBe(
      `cannot find module package './missing' from ${dir}: ${join(dir, 'missing/package.json')} does not exist`,
    );
  });

  it('rejects a dependency cycle, naming it', async () => {
    const dir = app([
      modulePackage('a', { dependencies: ['b'] }),
      modulePackage('b', { dependencies: ['c'] }),
      modulePackage('c', { dependencies: ['a'] }),
    ]);
    const err = await errorOf(
      discoverModules(
        { modules: ['a', 'b', 'c'] },
        { cwd: dir, file: join(dir, 'tessera.config.json') },
      ),
    );
    expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toBe('tessera.config.json: dependency cycle: a -> b -> c -> a');
  });

  it('rejects a dependency missing from the config', async () => {
    const dir = app([
      modulePackage('@tessera-demo/notes', { dependencies: ['storage'] }),
      modulePackage('@tessera-demo/storage', {}),
    ]);
    const err = await errorOf(discoverModules({ modules: ['@tessera-demo/notes'] }, { cwd: dir }));
    expect(err.message).toBe(
      'module notes depends on storage, which is not in tessera.config.json modules',
    );
    expect(err.data).toEqual({ module: 'notes', dependency: 'storage' });
  });

  it('rejects two packages with the same module name, and reserved names', async () => {
    const dir = app([
      modulePackage('@a/kv', {}),
      modulePackage('@b/kv', {}),
      modulePackage('@evil/core', {}),
    ]);
    expect(
      (await errorOf(discoverModules({ modules: ['@a/kv', '@b/kv'] }, { cwd: dir }))).message,
    ).toBe("tessera.config.json: packages @a/kv and @b/kv are both named 'kv'");
    expect(
      (await errorOf(discoverModules({ modules: ['@evil/core'] }, { cwd: dir }))).message,
    ).toBe("package @evil/core: module name 'core' is reserved");
  });

  it('rejects a package whose entry file does not exist (not built)', async () => {
    const pkg = modulePackage('unbuilt', {});
    const dir = app([{ json: { ...pkg.json, main: 'dist/index.js' } }]);
    const err = await errorOf(discoverModules({ modules: ['unbuilt'] }, { cwd: dir }));
    expect(err.code).toBe(ErrorCode.NOT_FOUND);
    expect(err.message).toBe(
      `package unbuilt: entry dist/index.js not found at ${join(dir, 'node_modules/unbuilt/dist/index.js')} (is the package built?)`,
    );
  });

  it('passes manifest errors through with the package and field', async () => {
    const dir = app([modulePackage('typo', { require: ['x'] })]);
    const err = await errorOf(discoverModules({ modules: ['typo'] }, { cwd: dir }));
    expect(err.message).toBe(
      "package typo: unknown field 'tessera.require' (did you mean 'requires'?)",
    );
  });
});
