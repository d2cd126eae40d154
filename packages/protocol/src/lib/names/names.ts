import { TesseraError } from '../errors/tessera-error';

/** Module, capability and event names: what the manifest and policies use. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `name` is a valid module/capability/event name. */
export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

/** Throw `INVALID_ARGUMENT` naming `what` when `name` is not valid. */
export function assertValidName(name: unknown, what: string): asserts name is string {
  if (!isValidName(name)) {
    throw TesseraError.invalidArgument(
      `${what} ${JSON.stringify(name)} is not a valid name: use 1-64 characters of A-Z a-z 0-9 _ -`,
    );
  }
}

/** Prefix of grant-scope entries that allow subscribing to an event. */
export const EVENT_SCOPE_PREFIX = 'event:';

/** The scope entry that lets a caller subscribe to `event`. */
export function eventScope(event: string): string {
  return EVENT_SCOPE_PREFIX + event;
}

/**
 * Names that can never be a callable module method, whatever a manifest or
 * a grant says: everything reachable on a plain object or a function, and
 * `then` (a module client must never look like a promise). One list for the
 * manifest check and the proxy's dispatch table.
 */
export const RESERVED_METHOD_NAMES: ReadonlySet<string> = new Set<string>([
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
  'prototype',
  'then',
]);

/** Identifier-shaped, not `$`-internal, at most 64 characters. */
export const METHOD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** True when `name` may be declared (and dispatched) as a module method. */
export function isDispatchableName(name: string): boolean {
  return METHOD_NAME_PATTERN.test(name) && !RESERVED_METHOD_NAMES.has(name);
}
