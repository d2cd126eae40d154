import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { opaNotFound } from '@tessera/policy';

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
 * pinned version, installed on first use), else `opa` from PATH. Throws
 * `FAILED_PRECONDITION` naming the pinned version, how to install it and
 * `TESSERA_OPA` when none of these gives a runnable `opa`.
 */
export function findOpa(cwd: string, env: NodeJS.ProcessEnv): string {
  const configured = env['TESSERA_OPA'];
  if (configured) {
    const found = executable(configured, cwd, env);
    if (!found) throw opaNotFound(`TESSERA_OPA=${configured}`, 'not an executable file');
    return found;
  }
  const script = findUp(cwd, 'tools/opa.sh');
  if (script) {
    try {
      return execFileSync('bash', [script], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }).trim();
    } catch {
      throw opaNotFound(script, 'it found no pinned opa and could not install one (see above)');
    }
  }
  const onPath = executable('opa', cwd, env);
  if (!onPath) throw opaNotFound("'opa' on PATH", 'not found');
  return onPath;
}

/** The runnable file `command` names: a path (relative to `cwd`), or a name searched on PATH. */
function executable(command: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (env['PATH'] ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
