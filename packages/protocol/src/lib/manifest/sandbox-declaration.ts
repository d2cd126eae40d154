import { isAbsolute, normalize, relative, resolve } from 'node:path';
import { type FieldChecker, describeValue } from './field-checker';

/**
 * What a module asks of its sandbox, as written under `tessera.sandbox` in
 * its package.json. Everything not asked for is denied: by default a module
 * reads its own package and dependencies, reads and writes its data dir, and
 * sees no environment variable of the core.
 */
export interface ModuleSandboxJson {
  /** Extra readable paths: absolute, or relative to the package (inside it). */
  read?: string[];
  /** Extra writable (and readable) paths, same rules. */
  write?: string[];
  /** Names of the core's environment variables the module receives. */
  env?: string[];
  /** May spawn child processes (which the Node permission model does not confine). */
  childProcess?: boolean;
  /** May start worker threads. */
  worker?: boolean;
  /** May use the network (bubblewrap otherwise gives the host none; Node's permission model never limits it). */
  network?: boolean;
}

/** A validated `tessera.sandbox`: every field present. Paths are as written (normalized). */
export interface SandboxDeclaration {
  read: string[];
  write: string[];
  env: string[];
  childProcess: boolean;
  worker: boolean;
  network: boolean;
}

/** Every field `tessera.sandbox` may hold. */
export const SANDBOX_FIELDS = [
  'read',
  'write',
  'env',
  'childProcess',
  'worker',
  'network',
] as const;

/** An environment variable name, as POSIX shells accept it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Variables a module may never ask for: the host sets them itself, they
 * would change how Node or the dynamic linker starts (and so undo the
 * sandbox), or they are Tessera's own.
 */
const RESERVED_ENV =
  /^(NODE_OPTIONS|NODE_CHANNEL_.*|NODE_UNIQUE_ID|HOME|TMPDIR|LD_.*|DYLD_.*|TESSERA_.*)$/;

/**
 * Validate `tessera.sandbox`. Paths must be absolute or stay inside the
 * package (checked when `packageDir` is given), and may not hold `*` (a Node
 * wildcard) or `,` (Node 20 refuses comma lists); `/` alone is refused.
 */
export function sandboxOf(
  check: FieldChecker,
  value: unknown,
  packageDir?: string,
): SandboxDeclaration {
  const s = check.object(value, 'tessera.sandbox');
  check.noUnknownFields(s, SANDBOX_FIELDS, 'tessera.sandbox');
  const flag = (key: 'childProcess' | 'worker' | 'network'): boolean =>
    s[key] === undefined ? false : check.boolean(s[key], `tessera.sandbox.${key}`);
  return {
    read: paths(check, s.read, 'tessera.sandbox.read', packageDir),
    write: paths(check, s.write, 'tessera.sandbox.write', packageDir),
    env: envNames(check, s.env),
    childProcess: flag('childProcess'),
    worker: flag('worker'),
    network: flag('network'),
  };
}

function paths(
  check: FieldChecker,
  value: unknown,
  field: string,
  packageDir: string | undefined,
): string[] {
  if (value === undefined) return [];
  const list = check.array(value, field).map((item, i) => {
    const at = `${field}[${i}]`;
    const path = check.string(item, at);
    if (/[*,\0]/.test(path))
      throw check.fail(at, `${describeValue(path)} may not contain '*', ',' or NUL`);
    const normal = normalize(path).replace(/(.)[\\/]+$/, '$1');
    if (isAbsolute(normal)) {
      if (resolve(normal) === resolve('/'))
        throw check.fail(at, `${describeValue(path)} would open the whole file system`);
      return normal;
    }
    if (normal === '..' || normal.startsWith('../') || normal.startsWith('..\\'))
      throw check.fail(
        at,
        `${describeValue(path)} points outside the package: use an absolute path for that`,
      );
    if (packageDir !== undefined) {
      const rel = relative(resolve(packageDir), resolve(packageDir, normal));
      if (rel.startsWith('..') || isAbsolute(rel))
        throw check.fail(at, `${describeValue(path)} points outside the package directory`);
    }
    return normal;
  });
  check.unique(list, field);
  return list;
}

function envNames(check: FieldChecker, value: unknown): string[] {
  if (value === undefined) return [];
  const list = check.array(value, 'tessera.sandbox.env').map((item, i) => {
    const at = `tessera.sandbox.env[${i}]`;
    const name = check.string(item, at);
    if (!ENV_NAME.test(name))
      throw check.fail(at, `${describeValue(name)} is not an environment variable name`);
    if (RESERVED_ENV.test(name))
      throw check.fail(
        at,
        `${describeValue(name)} is reserved: the host sets it, it changes how the host starts, or it belongs to Tessera`,
      );
    return name;
  });
  check.unique(list, 'tessera.sandbox.env');
  return list;
}
