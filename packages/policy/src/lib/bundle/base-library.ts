import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the shipped base Rego library (package `tessera.base`) lives: the
 * `rego/` folder of this package, found from `dist/lib/bundle` (published)
 * and `src/lib/bundle` (workspace sources) alike.
 */
export const BASE_POLICY_DIR = join(__dirname, '..', '..', '..', 'rego');

/** The base library's policy files (never its tests or test data), sorted. */
export function baseLibrarySources(dir: string = BASE_POLICY_DIR): string[] {
  const root = join(dir, 'tessera', 'base');
  if (!existsSync(root)) {
    throw new Error(`the base policy library is missing from @tessera/policy (looked in ${root})`);
  }
  return readdirSync(root)
    .filter((name) => name.endsWith('.rego') && !name.endsWith('_test.rego'))
    .sort()
    .map((name) => join(root, name));
}
