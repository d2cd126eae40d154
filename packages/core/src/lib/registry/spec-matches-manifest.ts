import { EVENT_SCOPE_PREFIX, TesseraError } from '@tessera/protocol';
import type { ModuleSpec } from '@tessera/sdk';
import type { ModuleManifest } from './module-manifest';

/**
 * Check what a host registered (the methods and events its definition
 * exposes) against the manifest the core resolved, at load: every method
 * and `event:` scope `provides` names must exist, and the manifest's
 * `events` must be exactly the definition's. A module whose package.json
 * and code drifted apart does not start; the error lists every difference.
 * (A definition method that no capability names is fine: a policy may
 * still grant it by name.)
 */
export function checkSpecMatchesManifest(manifest: ModuleManifest, spec: ModuleSpec): void {
  // What a host registers is input: a malformed spec is refused, never trusted.
  if (!isSpec(spec))
    throw TesseraError.invalidArgument(`module ${manifest.name}: register needs a spec`);
  const methods = new Set(spec.methods.map((m) => m.name));
  const events = new Set(spec.events.map((e) => e.name));
  const problems: string[] = [];
  for (const [capability, scopes] of Object.entries(manifest.provides ?? {})) {
    for (const scope of scopes) {
      if (scope.startsWith(EVENT_SCOPE_PREFIX)) {
        const event = scope.slice(EVENT_SCOPE_PREFIX.length);
        if (!events.has(event))
          problems.push(
            `provides.${capability} names event '${event}', which the definition does not declare`,
          );
      } else if (!methods.has(scope)) {
        problems.push(
          `provides.${capability} names method '${scope}', which the definition does not expose`,
        );
      }
    }
  }
  if (manifest.events !== undefined) {
    const listed = new Set(manifest.events);
    for (const event of listed)
      if (!events.has(event))
        problems.push(`events lists '${event}', which the definition does not declare`);
    for (const event of events)
      if (!listed.has(event))
        problems.push(`the definition declares event '${event}', which events does not list`);
  }
  if (problems.length > 0)
    throw TesseraError.invalidArgument(
      `module ${manifest.name}: its manifest ("tessera" in package.json) and its definition (defineModule) differ: ${problems.join('; ')}`,
      { module: manifest.name, problems },
    );
}

const named = (list: unknown): boolean =>
  Array.isArray(list) &&
  list.every((x) => typeof x === 'object' && x !== null && typeof x.name === 'string');

function isSpec(spec: unknown): spec is ModuleSpec {
  if (typeof spec !== 'object' || spec === null) return false;
  const { methods, events } = spec as Partial<ModuleSpec>;
  return named(methods) && named(events);
}
