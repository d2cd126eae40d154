import type { ModuleFacts } from '@tessera/policy';

/** The security- and load-relevant part of a module's manifest. */
export interface ModuleManifest {
  name: string;
  version?: string;
  /** Modules that must be loaded (and ready) first. */
  dependencies?: string[];
  /** Capability name -> methods (and `event:<name>` entries) it groups. */
  provides?: Record<string, string[]>;
  /** Capability names this module needs from others. */
  requires?: string[];
  events?: string[];
}

/** What a policy sees of a manifest. */
export function factsOf(manifest: ModuleManifest): ModuleFacts {
  return {
    name: manifest.name,
    provides: Object.fromEntries(
      Object.entries(manifest.provides ?? {}).map(([k, v]) => [k, [...v]]),
    ),
    requires: [...(manifest.requires ?? [])],
  };
}
