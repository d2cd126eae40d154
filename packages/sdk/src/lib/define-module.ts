import {
  GRANT_TERM_LIMITS,
  TesseraError,
  assertValidName,
  isDispatchableName,
  isParamName,
} from '@tessera/protocol';
import type { ModuleContext } from './module-context';
import { paramNames } from './param-names';

/** Method and event lists as the proxy and introspection need them. */
export interface ModuleSpec {
  /** `resources`: the parameters a grant's constraints may scope (present when declared). */
  methods: { name: string; params: string[]; resources?: string[] }[];
  events: { name: string; params: string[] }[];
}

/**
 * What a module author writes. `T` is the API the module exposes (inferred
 * from what `create` returns: {@link ModuleApi}), `N` its name.
 */
export interface ModuleDefinition<T extends object = object, N extends string = string> {
  /** Must equal the manifest name (when loaded from a package). */
  name: N;
  /** Events this module may emit, optionally with payload field names. */
  events?: (string | { name: string; params?: string[] })[];
  /**
   * Method names to expose. Omitted: every own function property of the
   * object `create` returns. Nothing else is ever callable.
   */
  methods?: string[];
  /**
   * Parameters that name a resource, per method (`{get: 'key'}`, or a list
   * of names), as the manifest's `tessera.resources` may also say: a
   * grant's constraints may scope them, and the door checks them before the
   * method runs. Each must be a parameter of the method.
   */
  resources?: Record<string, string | string[]>;
  /** Build the module's instance; its declared methods become callable. */
  create(ctx: ModuleContext<N>): T | Promise<T>;
  /** Release resources when the module is unloaded. */
  stop?(instance: T): void | Promise<void>;
}

/** Brand so hosts can tell a definition from any other export. */
export const MODULE_DEFINITION = Symbol.for('tessera.module-definition');

/**
 * The API a module exposes, from its definition: what other modules call
 * through `ctx.client`. Export it beside the definition
 * (`export type StorageApi = ModuleApi<typeof storage>`).
 */
export type ModuleApi<D> = D extends ModuleDefinition<infer T, string> ? T : never;

/** Declare a module. The default export of a module package. */
export function defineModule<T extends object, N extends string = string>(
  definition: ModuleDefinition<T, N>,
): ModuleDefinition<T, N> {
  assertValidName(definition.name, 'module name');
  if (typeof definition.create !== 'function') {
    throw TesseraError.invalidArgument(`module ${definition.name}: create must be a function`);
  }
  for (const e of definition.events ?? [])
    assertValidName(typeof e === 'string' ? e : e.name, `module ${definition.name}: event name`);
  for (const [method, params] of Object.entries(definition.resources ?? {}))
    resourceList(definition.name, method, params);
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

/** `resources` of one method as a list of parameter names, or `INVALID_ARGUMENT`. */
function resourceList(module: string, method: string, params: unknown): string[] {
  const list = typeof params === 'string' ? [params] : params;
  if (
    !isDispatchableName(method) ||
    !Array.isArray(list) ||
    list.length === 0 ||
    list.length > GRANT_TERM_LIMITS.maxParamsPerMethod ||
    !list.every(isParamName)
  )
    throw TesseraError.invalidArgument(
      `module ${module}: resources.${method} must name 1 to ${GRANT_TERM_LIMITS.maxParamsPerMethod} parameters of method ${method}`,
    );
  return list;
}

/**
 * The methods and events an instance exposes under its definition.
 * `resources` (the manifest's `tessera.resources`) adds to the definition's
 * own; a resource of a method the module does not expose is an error.
 */
export function specOf(
  definition: ModuleDefinition,
  instance: object,
  resources: Readonly<Record<string, readonly string[]>> = {},
): ModuleSpec {
  const declared: Record<string, string[]> = Object.fromEntries(
    Object.entries(definition.resources ?? {}).map(([m, p]) => [
      m,
      resourceList(definition.name, m, p),
    ]),
  );
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
    const marked = [
      ...new Set([
        ...(Object.hasOwn(declared, name) ? (declared[name] ?? []) : []),
        ...(Object.hasOwn(resources, name) ? (resources[name] ?? []) : []),
      ]),
    ];
    const params = paramNames(fn as (...a: never[]) => unknown);
    return marked.length > 0 ? { name, params, resources: marked } : { name, params };
  });
  const exposed = new Set(names);
  for (const method of [...Object.keys(declared), ...Object.keys(resources)])
    if (!exposed.has(method))
      throw TesseraError.invalidArgument(
        `module ${definition.name}: resources name method '${method}', which the module does not expose`,
      );
  const events = (definition.events ?? []).map((e) =>
    typeof e === 'string'
      ? { name: e, params: [] }
      : { name: e.name, params: [...(e.params ?? [])] },
  );
  return { methods, events };
}
