import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '@tessera/protocol';

/** Where the compiled host process entry lives (tests run from src, hosts always from dist). */
export function hostMainPath(): string {
  const here = join(__dirname, 'host-main.js');
  if (existsSync(here)) return here;
  const built = join(__dirname, '..', '..', '..', 'dist', 'lib', 'process', 'host-main.js');
  if (existsSync(built)) return built;
  throw TesseraError.unavailable(
    `module host entry not found at ${built}: build @tessera/host first (npm run build)`,
  );
}
