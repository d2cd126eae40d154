import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TesseraError, isRelativeModuleSpec } from '@tessera/protocol';

/**
 * The directory of the package `spec` names, found by Node's own resolution
 * from `cwd` (so workspaces, hoisting and symlinks behave as with `require`).
 * A relative spec (`./x`) is a directory relative to `cwd`. Throws `NOT_FOUND`.
 */
export function resolvePackageDir(spec: string, cwd: string): string {
  if (isRelativeModuleSpec(spec)) {
    const dir = resolve(cwd, spec);
    if (!existsSync(join(dir, 'package.json'))) {
      throw TesseraError.notFound(
        `cannot find module package '${spec}' from ${cwd}: ${join(dir, 'package.json')} does not exist`,
        { package: spec },
      );
    }
    return dir;
  }
  try {
    return dirname(require.resolve(`${spec}/package.json`, { paths: [cwd] }));
  } catch {
    // ERR_PACKAGE_PATH_NOT_EXPORTED in Node; other resolvers (jest) report it as not found.
    return viaMainEntry(spec, cwd);
  }
}

/** When `exports` hides `./package.json`: resolve the main entry and walk up to its package.json. */
function viaMainEntry(spec: string, cwd: string): string {
  let main: string;
  try {
    main = require.resolve(spec, { paths: [cwd] });
  } catch {
    throw notInstalled(spec, cwd);
  }
  for (let dir = dirname(main); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && nameIn(file) === spec) return dir;
    if (dirname(dir) === dir) throw notInstalled(spec, cwd);
  }
}

function nameIn(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

function notInstalled(spec: string, cwd: string): TesseraError {
  return TesseraError.notFound(
    `cannot find module package '${spec}' from ${cwd}: is it installed? (npm install ${spec})`,
    { package: spec },
  );
}
