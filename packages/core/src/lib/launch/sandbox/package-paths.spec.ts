import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codePaths, isWithin, linksBelow } from './package-paths';

// Symlinks: not Windows.
const posix = process.platform === 'win32' ? describe.skip : describe;

posix('codePaths', () => {
  let t: string;
  const at = (p: string) => join(t, p);
  const dir = (p: string) => mkdirSync(at(p), { recursive: true });
  const link = (target: string, p: string) => symlinkSync(at(target), at(p));
  /** Overlap with any of `protect`, as host-sandbox computes it. */
  const overlapsAny = (protect: string[]) => (p: string) =>
    protect.find((q) => isWithin(q, p) || isWithin(p, q));

  beforeEach(() => {
    // A workspace like the demo's: node_modules links packages and the app that holds .tessera.
    t = realpathSync(mkdtempSync(join(tmpdir(), 'tessera-paths-')));
    dir('mod');
    dir('app/.tessera/data/other');
    writeFileSync(at('app/.tessera/operator.key'), 'x');
    dir('node_modules/plain');
    dir('node_modules/@s');
    dir('node_modules/.bin');
    dir('pkgs/linked/node_modules/dep');
    link('pkgs/linked', 'node_modules/@s/linked');
    link('app', 'node_modules/@s/app');
    link('nowhere', 'node_modules/dangling');
    link('mod', 'node_modules/.bin/mod');
    // Real directory, but a link one level down in its own node_modules leads into the state.
    dir('node_modules/nests/node_modules/@x');
    link('app/.tessera/data/other', 'node_modules/nests/node_modules/@x/evil');
  });
  afterEach(() => rmSync(t, { recursive: true, force: true }));

  it('lists each package by itself, as written and by real path, and never a whole tree', () => {
    const view = codePaths([at('mod')], overlapsAny([at('app/.tessera')]));
    expect(view.read.sort()).toEqual(
      [
        'mod',
        'node_modules/plain',
        'node_modules/@s/linked',
        'pkgs/linked',
        'pkgs/linked/node_modules/dep', // the linked package's own tree, found through the link
      ]
        .map(at)
        .sort(),
    );
    expect(view.omitted).toEqual(
      expect.arrayContaining([
        { path: at('node_modules/@s/app'), overlaps: at('app/.tessera') },
        { path: at('node_modules/nests'), overlaps: at('app/.tessera') },
      ]),
    );
    expect(view.omitted).toHaveLength(2);
  });

  it('gives bubblewrap whole trees (the left-out links dangle there) and the link targets', () => {
    const view = codePaths([at('mod')], overlapsAny([at('app/.tessera')]));
    expect(view.mounts).toEqual(
      expect.arrayContaining(
        ['node_modules', 'pkgs/linked/node_modules', 'mod', 'pkgs/linked'].map((p) => ({
          kind: 'ro',
          path: at(p),
        })),
      ),
    );
    expect(view.mounts).toHaveLength(4);
  });

  it('mounts a tree that holds a protected path package by package, links as links', () => {
    const view = codePaths([at('mod')], overlapsAny([at('node_modules/plain/secret')]));
    expect(view.read).not.toContain(at('node_modules/plain'));
    expect(view.mounts).toEqual(
      expect.arrayContaining([
        { kind: 'symlink', path: at('node_modules/@s/linked'), target: at('pkgs/linked') },
        { kind: 'symlink', path: at('node_modules/@s/app'), target: at('app') },
        { kind: 'ro', path: at('node_modules/nests') },
      ]),
    );
    expect(view.mounts).not.toContainEqual({ kind: 'ro', path: at('node_modules') });
    expect(view.mounts).not.toContainEqual({ kind: 'ro', path: at('node_modules/plain') });
  });

  it('finds the links one level down in a package', () => {
    expect(linksBelow(at('node_modules/nests'))).toEqual([at('app/.tessera/data/other')]);
    expect(linksBelow(at('node_modules/plain'))).toEqual([]);
  });
});

describe('isWithin', () => {
  it('holds for the path itself and what lies beneath, not for a sibling sharing a prefix', () => {
    expect(isWithin('/a/b', '/a/b')).toBe(true);
    expect(isWithin('/a/b/c', '/a/b')).toBe(true);
    expect(isWithin('/a/b/c', '/a/b/')).toBe(true);
    expect(isWithin('/a/bc', '/a/b')).toBe(false);
    expect(isWithin('/a', '/a/b')).toBe(false);
    expect(isWithin('/a/b/../c', '/a/b')).toBe(false);
    expect(isWithin('/a/c/../b/d', '/a/b')).toBe(true);
    expect(isWithin('/anything', '/')).toBe(true);
  });
});
