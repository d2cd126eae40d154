import { TesseraError, assertValidName } from '@tessera/protocol';
import type { ModuleContext } from './module-context';
import { paramNames } from './param-names';

/** Method and event lists as the proxy and introspection need them. */
export interface ModuleSpec {
  methods: { name: string; params: string[] }[];
  events: { name: string; params: string[] }[];
}

/** What a module author writes. */
export interface ModuleDefinition<T extends object = object> {
  /** Must equal the manifest name (when loaded from a package). */
  name: string;
  /** Events this module may emit, optionally with payload field names. */
  events?: (string | { name: string; params?: string[] })[];
  /**
   * Method names to expose. Omitted: every own function property of the
   * object `create` returns. Nothing else is ever callable.
   */
  methods?: string[];
  /** Build the module's instance; its declared methods become callable. */
  create(ctx: ModuleContext): T | Promise<T>;
  /** Release resources when the module is unloaded. */
  stop?(instance: T): void | Promise<void>;
}

/** Brand so hosts can tell a definition from any other export. */
export const MODULE_DEFINITION = Symbol.for('tessera.module-definition');

/** Declare a module. The default export of a module package. */
export function defineModule<T extends object>(
  definition: ModuleDefinition<T>,
): ModuleDefinition<T> {
  assertValidName(definition.name, 'module name');
  if (typeof definition.create !== 'function') {
    throw TesseraError.invalidArgument(`module ${definition.name}: create must be a function`);
  }
  for (const e of definition.events ?? [])
    assertValidName(typeof e === 'string' ? e : e.name, `module ${definition.name}: event name`);
  Object.defineProperty(definition, MODULE_DEFINITION, { value: true });
  return definition;
}

/** True for objects made by {@link defineModule}. */
export function isModuleDefinition(value: unknown): value is ModuleDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[MODULE_DEFINITION] === true
  );
}

/** The methods and events an instance exposes under its definition. */
export function specOf(definition: ModuleDefinition, instance: object): ModuleSpec {
  const names =
    definition.methods ??
    Object.keys(instance).filter(
      (k) => typeof (instance as Record<string, unknown>)[k] === 'function',
    );
  const methods = names.map((name) => {
    const fn = (instance as Record<string, unknown>)[name];
    if (typeof fn !== 'function') {
      throw TesseraError.invalidArgument(
        `module ${definition.name}: declared method '${name}' is not a function`,
      );
    }
    return { name, params: paramNames(fn as (...a: never[]) => unknown) };
  });
  const events = (definition.events ?? []).map((e) =>
    typeof e === 'string'
      ? { name: e, params: [] }
      : { name: e.name, params: [...(e.params ?? [])] },
  );
  return { methods, events };
}
