import type { ValidatedManifest } from '@tessera/protocol';

/**
 * A module found on disk: a `ModuleEntry` (see core.ts) without its
 * definition yet, plus where it lives. The definition is loaded with
 * {@link loadDefinition} (in-process) or by the host process.
 */
export interface DiscoveredModule {
  manifest: ValidatedManifest;
  /** The npm package name from its package.json. */
  packageName: string;
  /** Absolute directory of the package. */
  packageDir: string;
  /** Absolute path of the file the host loads. */
  entryPath: string;
  /** How tessera.config.json names it (package name or relative path). */
  spec: string;
}

export interface DiscoverOptions {
  /** The config file's directory: package names and relative paths resolve from here. */
  cwd: string;
  /** How to name the config file in messages; default `tessera.config.json`. */
  file?: string;
}
