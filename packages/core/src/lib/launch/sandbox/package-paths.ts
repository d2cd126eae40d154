import { type Dirent, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { BwrapMount } from './bwrap-args';

/** More node_modules trees than this means something is odd (a link cycle): stop looking. */
const MAX_TREES = 64;

/** The directory of the package.json nearest above `file` (the file's package). */
export function packageRootOf(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}

/** `path` resolved through symlinks, or as given when it does not exist. */
export function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** One package directory of a `node_modules` tree (`<tree>/<name>` or `<tree>/@scope/<name>`). */
export interface TreePackage {
  /** The path `require` reads it by. */
  path: string;
  /** Its real path: a link's target, else `path`. */
  real: string;
  link: boolean;
  /** Real paths of the links one level down in its own `node_modules` (and @scopes there). */
  nestedLinks: string[];
}

/** What a host may read to load its code, for each layer. */
export interface CodeView {
  /**
   * For the permission model: the roots, and each package directory of the
   * `node_modules` trees `require` looks in, as written and by real path;
   * never a whole tree.
   */
  read: string[];
  /**
   * For bubblewrap (read-only): the roots, the targets of the allowed links,
   * and whole trees (a link left out of `read` dangles there, its target not
   * being mounted); a tree that overlaps a protected path itself is mounted
   * package by package instead.
   */
  mounts: BwrapMount[];
  /** Packages left out, with the protected path each overlaps. */
  omitted: { path: string; overlaps: string }[];
}

/**
 * Every path Node's `require` may read to load code from `roots` (real
 * paths, readable whole): the roots, and the package directories in the
 * `node_modules` of each of their ancestors; for packages linked into those
 * (workspaces, `npm link`) their real paths too, and the `node_modules` of
 * their ancestors, followed to a fixed point.
 *
 * Node's permission model checks the path it is given, then follows
 * symlinks: granting a whole tree would grant whatever its links point to.
 * So each package is listed by itself, by the path `require` reads it by
 * and by its real path, and a package is left out when `overlaps` finds a
 * protected path its real path equals, holds or lies in, or one that a link
 * in its own `node_modules` leads to (one level down: npm nests real
 * directories; workspaces link at the top). `overlaps` returns that
 * protected path, or undefined. Scans are cached in `cache`, per tree.
 */
export function codePaths(
  roots: string[],
  overlaps: (path: string) => string | undefined,
  cache = new Map<string, TreePackage[]>(),
): CodeView {
  const read = new Set<string>();
  const linkTargets = new Set<string>();
  const trees = new Set<string>();
  const omitted: CodeView['omitted'] = [];
  const done = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const root = pending.pop() as string;
    if (done.has(root)) continue;
    done.add(root);
    read.add(root);
    for (let dir = root; ; dir = dirname(dir)) {
      const tree = join(dir, 'node_modules');
      if (!trees.has(tree) && existsSync(tree)) {
        if (trees.size >= MAX_TREES) break;
        trees.add(tree);
        for (const p of packagesIn(tree, cache)) {
          const hit = overlaps(p.real) ?? overlaps(p.path) ?? firstOf(p.nestedLinks, overlaps);
          if (hit) {
            omitted.push({ path: p.path, overlaps: hit });
            continue;
          }
          read.add(p.path);
          read.add(p.real);
          if (p.link) {
            linkTargets.add(p.real);
            pending.push(p.real);
          }
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  const mounts = mountsOf(roots, linkTargets, trees, read, overlaps, cache);
  return { read: [...read], mounts, omitted };
}

/** bubblewrap's read-only view of the same code: whole trees where that is safe. */
function mountsOf(
  roots: string[],
  linkTargets: Set<string>,
  trees: Set<string>,
  read: Set<string>,
  overlaps: (path: string) => string | undefined,
  cache: Map<string, TreePackage[]>,
): BwrapMount[] {
  const whole = [...trees].filter((t) => !overlaps(t));
  const mounts: BwrapMount[] = whole.map((path) => ({ kind: 'ro', path }));
  const mounted = (p: string): boolean => whole.some((t) => isWithin(p, t));
  for (const p of new Set([...roots, ...linkTargets]))
    if (!mounted(p)) mounts.push({ kind: 'ro', path: p });
  // A tree that overlaps a protected path: its allowed packages one by one, links as links.
  for (const tree of [...trees].filter((t) => overlaps(t)))
    for (const p of packagesIn(tree, cache))
      if (read.has(p.path))
        mounts.push(
          p.link ? { kind: 'symlink', path: p.path, target: p.real } : { kind: 'ro', path: p.path },
        );
  return mounts;
}

function firstOf<T>(items: T[], fn: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const hit = fn(item);
    if (hit) return hit;
  }
  return undefined;
}

/** The package directories of `tree` (and of its @scopes), not `.bin` nor other dot entries. */
function packagesIn(tree: string, cache: Map<string, TreePackage[]>): TreePackage[] {
  const cached = cache.get(tree);
  if (cached) return cached;
  const found: TreePackage[] = [];
  for (const { path, link } of entriesOf(tree)) {
    const target = link ? real(path) : path;
    if (link && (target === path || !existsSync(target))) continue; // dangling
    found.push({ path, real: target, link, nestedLinks: linksBelow(target) });
  }
  cache.set(tree, found);
  return found;
}

/**
 * Real paths of the links in `<dir>/node_modules` and its @scopes (one level
 * down): what a grant of `dir` as a whole also leads to.
 */
export function linksBelow(dir: string): string[] {
  return entriesOf(join(dir, 'node_modules'))
    .filter((e) => e.link)
    .map((e) => real(e.path));
}

/** `<tree>/<name>` and `<tree>/@scope/<name>` entries that are directories or links. */
function entriesOf(tree: string): { path: string; link: boolean }[] {
  const out: { path: string; link: boolean }[] = [];
  const scan = (dir: string, scoped: boolean): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // .bin, .cache, .package-lock.json: no package
      const path = join(dir, e.name);
      if (!scoped && e.name.startsWith('@') && isDirectory(e, path)) scan(path, true);
      else if (e.isSymbolicLink()) out.push({ path, link: true });
      else if (e.isDirectory()) out.push({ path, link: false });
    }
  };
  scan(tree, false);
  return out;
}

/** A directory, or a link to one (a linked @scope is scanned like a real one). */
function isDirectory(e: Dirent, path: string): boolean {
  if (e.isDirectory()) return true;
  try {
    return e.isSymbolicLink() && statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * True when `inner` is `outer` or lies beneath it. A plan asks this for
 * every package of every tree against every protected path (thousands of
 * times per host started), so on POSIX it compares resolved paths as
 * strings instead of building a relative path; Windows (case-insensitive,
 * drive letters) keeps `path.relative`.
 */
export function isWithin(inner: string, outer: string): boolean {
  if (sep === '/') {
    const i = resolve(inner);
    const o = resolve(outer);
    return i === o || (i.startsWith(o) && (o.endsWith('/') || i.charCodeAt(o.length) === 47));
  }
  const rel = relative(outer, inner);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}
