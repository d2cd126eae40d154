import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from './processes';

const DEMO_DIR = join(REPO, 'apps/demo');
/** Inside the repository (module packages resolve from the config's directory), git-ignored by apps/demo/.gitignore. */
export const TEST_ROOT = join(DEMO_DIR, '.tessera-test');

/**
 * A private copy of the demo config under apps/demo/.tessera-test/<name>,
 * with the policy bundle path rewritten to still point at policies/build
 * (or at `bundleDir`), and `patch` applied to the top-level fields.
 */
export function tempApp(
  name: string,
  patch: Record<string, unknown> = {},
  bundleDir = join(REPO, 'policies/build'),
): { dir: string; config: string } {
  const dir = join(TEST_ROOT, `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(DEMO_DIR, 'tessera.config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete config.$schema;
  const file = join(dir, 'tessera.config.json');
  writeFileSync(
    file,
    JSON.stringify(
      { ...config, policy: { bundle: relative(dir, bundleDir), watch: false }, ...patch },
      null,
      2,
    ),
  );
  return { dir, config: file };
}

/** A copy of the built policy bundle with `data.tessera` changed, e.g. the operator's allow_calls. */
export function tempBundle(
  name: string,
  change: (tessera: Record<string, unknown>) => void,
): string {
  const dir = join(TEST_ROOT, `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO, 'policies/build/policy.wasm'), join(dir, 'policy.wasm'));
  const data = JSON.parse(readFileSync(join(REPO, 'policies/build/data.json'), 'utf8')) as {
    tessera: Record<string, unknown>;
  };
  change(data.tessera);
  writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
  return dir;
}

/** A local module package (next to the config) whose create() throws. */
export function brokenModule(appDir: string): string {
  const dir = join(appDir, 'broken');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'broken',
      version: '1.0.0',
      main: 'index.js',
      tessera: { name: 'broken', provides: { x: ['x'] } },
    }),
  );
  writeFileSync(
    join(dir, 'index.js'),
    "const { defineModule } = require('@tessera/sdk');\nmodule.exports = defineModule({ name: 'broken', methods: ['x'], create() { throw new Error('broken on purpose'); } });\n",
  );
  return './broken';
}

export function removeTestDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
