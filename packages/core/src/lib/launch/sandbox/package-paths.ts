import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

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

/**
 * Every directory Node's `require` may read to load code from `roots`:
 * the roots, the `node_modules` of each of their ancestors, and, for
 * packages linked into those (workspaces, `npm link`), the link targets and
 * their own ancestors' `node_modules`, followed to a fixed point. Symlinks
 * are followed on purpose: the permission model checks the path it is
 * given, so a linked package is readable only if its real path is listed.
 * The scan of each `node_modules` is cached in `cache`.
 */
export function codePaths(roots: string[], cache = new Map<string, string[]>()): string[] {
  const out = new Set<string>();
  const trees = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const root = pending.pop() as string;
    if (out.has(root)) continue;
    out.add(root);
    for (let dir = root; ; dir = dirname(dir)) {
      const tree = join(dir, 'node_modules');
      if (!trees.has(tree) && existsSync(tree)) {
        if (trees.size >= MAX_TREES) break;
        trees.add(tree);
        out.add(tree);
        pending.push(...linkedPackages(tree, cache));
      }
      if (dirname(dir) === dir) break;
    }
  }
  return [...out];
}

/** Real paths of the packages in `tree` (and its @scopes) that are symlinks. */
function linkedPackages(tree: string, cache: Map<string, string[]>): string[] {
  const cached = cache.get(tree);
  if (cached) return cached;
  const found: string[] = [];
  const scan = (dir: string, scoped: boolean): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isSymbolicLink()) {
        const target = real(path);
        if (target !== path && existsSync(target)) found.push(target);
      } else if (!scoped && e.isDirectory() && e.name.startsWith('@')) scan(path, true);
    }
  };
  scan(tree, false);
  cache.set(tree, found);
  return found;
}

/** True when `inner` is `outer` or lies beneath it. */
export function isWithin(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}
