import type { ModuleSandboxJson, SandboxDeclaration } from './sandbox-declaration';

/** The field of a module's package.json that makes it a Tessera module. */
export const MANIFEST_FIELD = 'tessera';

/** Every field the `tessera` object may hold. */
export const MANIFEST_FIELDS = [
  'name',
  'version',
  'entry',
  'dependencies',
  'provides',
  'requires',
  'events',
  'resources',
  'sandbox',
] as const;

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
  /**
   * Method parameters that name a resource, which a grant's constraints may
   * scope (`{"get": "key"}`, or a list of names): method → parameter name(s).
   */
  resources?: Record<string, string | string[]>;
  /** What the module's sandbox grants beyond its package, dependencies and data dir. */
  sandbox?: ModuleSandboxJson;
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
  /** Method → its resource parameters; present only when the package declares `tessera.resources`. */
  resources?: Record<string, string[]>;
  /** Present only when the package declares `tessera.sandbox`. */
  sandbox?: SandboxDeclaration;
}

/** Names that would reach Object.prototype or Function.prototype rather than a module method. */
export {
  RESERVED_METHOD_NAMES as FORBIDDEN_METHOD_NAMES,
  METHOD_NAME_PATTERN,
} from '../names/names';

/** `@tessera-demo/notes` -> `notes`. */
export function unscopedName(packageName: string): string {
  const slash = packageName.indexOf('/');
  return packageName.startsWith('@') && slash > 0 ? packageName.slice(slash + 1) : packageName;
}
