import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  type AppConfig,
  CONFIG_FILE_NAME,
  TesseraError,
  validateManifest,
} from '@tessera/protocol';
import { checkModuleSet } from './check-module-set';
import type { DiscoverOptions, DiscoveredModule } from './discovered-module';
import { readPackageJson } from './read-package-json';
import { resolvePackageDir } from './resolve-package-dir';

/**
 * Find the app's modules: resolve each `config.modules` entry from
 * `options.cwd` like `require` would, validate its package.json `tessera`
 * manifest, check the entry file exists, then check the set (names,
 * dependencies, cycles). Returned in load order, dependencies first.
 */
export async function discoverModules(
  config: Pick<AppConfig, 'modules'>,
  options: DiscoverOptions,
): Promise<DiscoveredModule[]> {
  const file = options.file ? basename(options.file) : CONFIG_FILE_NAME;
  const found: DiscoveredModule[] = [];
  for (const spec of config.modules) found.push(await discoverOne(spec, options.cwd));
  const order = checkModuleSet(found, file);
  const byName = new Map(found.map((m) => [m.manifest.name, m]));
  return order.map((name) => byName.get(name) as DiscoveredModule);
}

/** Find and validate one module package by npm name (or path) from `cwd`. */
export async function discoverOne(spec: string, cwd: string): Promise<DiscoveredModule> {
  const packageDir = resolvePackageDir(spec, cwd);
  const json = await readPackageJson(packageDir, spec);
  const declared = (json as { name?: unknown } | null)?.name;
  const packageName = typeof declared === 'string' && declared !== '' ? declared : spec;
  const manifest = validateManifest(json, { packageName, packageDir });
  const entryPath = manifest.entryPath as string;
  try {
    await access(entryPath);
  } catch {
    throw TesseraError.notFound(
      `package ${packageName}: entry ${manifest.entry} not found at ${entryPath} (is the package built?)`,
      { package: packageName, field: 'tessera.entry' },
    );
  }
  return { manifest, packageName, packageDir, entryPath, spec };
}
