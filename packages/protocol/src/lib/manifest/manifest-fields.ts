/** The field of a module's package.json that makes it a Tessera module. */
export const MANIFEST_FIELD = 'tessera';

/** Every field the `tessera` object may hold. */
export const MANIFEST_FIELDS = ['name', 'version', 'entry', 'dependencies', 'provides', 'requires', 'events'] as const;

/** What a module author writes in package.json under `tessera`. */
export interface ModuleManifestJson {
  /** The module's name: the package's unscoped name. */
  name: string;
  /** Default: the package's `version`. */
  version?: string;
  /** File the host loads, relative to the package. Default: the package's `main`. */
  entry?: string;
  /** Modules that must be loaded first. */
  dependencies?: string[];
  /** Capability -> method names and `event:<name>` scopes it grants. */
  provides?: Record<string, string[]>;
  /** Capabilities this module needs from others. */
  requires?: string[];
  /** Events this module may emit. */
  events?: string[];
}

/** A manifest after validation: every list present, defaults applied. */
export interface ValidatedManifest {
  name: string;
  version?: string;
  /** Relative to the package directory. */
  entry: string;
  /** Absolute path of `entry`, when the package directory was given. */
  entryPath?: string;
  dependencies: string[];
  provides: Record<string, string[]>;
  requires: string[];
  events: string[];
}

/** A method name a manifest may grant: an identifier, not `$`-internal, not an Object.prototype member. */
export const METHOD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Names that would reach Object.prototype rather than a module method. */
export const FORBIDDEN_METHOD_NAMES: ReadonlySet<string> = new Set([
  'constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty',
  'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__',
  '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
]);

/** `@tessera-demo/notes` -> `notes`. */
export function unscopedName(packageName: string): string {
  const slash = packageName.indexOf('/');
  return packageName.startsWith('@') && slash > 0 ? packageName.slice(slash + 1) : packageName;
}
