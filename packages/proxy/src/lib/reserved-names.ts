/**
 * Names that can never be dispatched, whatever a manifest or a grant says:
 * everything reachable on a plain object, and the internal `$` methods.
 */
const reserved = new Set<string>([
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
  'prototype',
  'then',
]);

/** True when `name` may be declared as a callable method. */
export function isDispatchableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) && !reserved.has(name);
}
