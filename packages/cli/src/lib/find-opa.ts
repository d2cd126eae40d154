import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Walk up from `start` to the first directory holding `relative`. */
export function findUp(start: string, relative: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The OPA CLI to use: $TESSERA_OPA, else the repository's tools/opa.sh (the
 * pinned version, installed on first use), else `opa` from PATH.
 */
export function findOpa(cwd: string, env: NodeJS.ProcessEnv): string {
  if (env['TESSERA_OPA']) return env['TESSERA_OPA'];
  const script = findUp(cwd, 'tools/opa.sh');
  if (!script) return 'opa';
  return execFileSync('bash', [script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}
