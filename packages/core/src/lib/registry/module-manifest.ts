import type { ValidatedManifest } from '@tessera/protocol';
import type { ModuleFacts } from '@tessera/policy';

/**
 * The load- and security-relevant part of a module's manifest: the
 * protocol's {@link ValidatedManifest}, with the lists optional so an app
 * can declare a module in code.
 */
export type ModuleManifest = Pick<ValidatedManifest, 'name'> &
  Partial<
    Pick<
      ValidatedManifest,
      'version' | 'dependencies' | 'provides' | 'requires' | 'events' | 'resources' | 'sandbox'
    >
  > & {
    /**
     * Hosted on another machine: set by remote admission on the manifest it
     * pinned, never read from a package.json (the manifest validator has no
     * such field).
     */
    remote?: boolean;
  };

/** What a policy sees of a manifest; `remote: true` marks a host admitted by a join credential. */
export function factsOf(manifest: ModuleManifest): ModuleFacts {
  return {
    name: manifest.name,
    provides: Object.fromEntries(
      Object.entries(manifest.provides ?? {}).map(([k, v]) => [k, [...v]]),
    ),
    requires: [...(manifest.requires ?? [])],
    ...(manifest.remote === true ? { remote: true } : {}),
  };
}
