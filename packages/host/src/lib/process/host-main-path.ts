import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '@tessera/protocol';

/**
 * The host's process entry as one file, built beside tsc's output (see
 * bundle.mjs): a host then starts without resolving and wrapping the ~30
 * files of its own code one by one.
 */
const BUNDLE = 'host-main.bundle.js';
const ENTRY = 'host-main.js';

/**
 * Where the compiled host process entry lives (tests run from src, hosts
 * always from dist): the bundle, or tsc's entry when only tsc has run.
 */
export function hostMainPath(): string {
  const dirs = [__dirname, join(__dirname, '..', '..', '..', 'dist', 'lib', 'process')];
  for (const dir of dirs)
    for (const file of [BUNDLE, ENTRY]) {
      const path = join(dir, file);
      if (existsSync(path)) return path;
    }
  throw TesseraError.unavailable(
    `module host entry not found at ${join(dirs[1] as string, ENTRY)}: build @tessera/host first (npm run build)`,
  );
}
