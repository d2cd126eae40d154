import { TesseraError } from '@tessera/protocol';

/** What the Node permission model lets one host do. */
export interface NodePermissions {
  read: string[];
  write: string[];
  /** Native addons (`process.dlopen`): only for a carrier that is one (zeromq). */
  addons: boolean;
  childProcess: boolean;
  worker: boolean;
}

/** `--permission` on Node ≥ 22.13, `--experimental-permission` before. */
function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission';
}

/**
 * Node flags that turn the permission model on with exactly these grants.
 * One flag per path (Node 20 refuses comma lists); a path holding a comma
 * cannot be expressed and is refused rather than silently split. Without
 * `--allow-child-process`, `--allow-worker`, `--allow-addons` and
 * `--allow-wasi`, those stay denied. The experimental (and, with addons,
 * security) warning Node prints per start is silenced: docs/security.md
 * says it once.
 */
export function nodePermissionFlags(p: NodePermissions): string[] {
  for (const path of [...p.read, ...p.write]) {
    if (path.includes(','))
      throw TesseraError.failedPrecondition(
        `cannot sandbox a host that must read ${path}: the Node permission model cannot name a path with a comma`,
      );
  }
  return [
    permissionFlag(),
    '--disable-warning=ExperimentalWarning',
    ...[...new Set(p.read)].map((path) => `--allow-fs-read=${path}`),
    ...[...new Set(p.write)].map((path) => `--allow-fs-write=${path}`),
    ...(p.addons ? ['--allow-addons', '--disable-warning=SecurityWarning'] : []),
    ...(p.childProcess ? ['--allow-child-process'] : []),
    ...(p.worker ? ['--allow-worker'] : []),
  ];
}
