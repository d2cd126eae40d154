import {
  EVENT_SCOPE_PREFIX,
  TesseraError,
  isDispatchableName,
  isValidName,
} from '@tessera/protocol';
import { truncateText } from './truncate';

/**
 * Bounds on what a caller may ask for in one `requestModule`, checked
 * before the policy sees the request: evaluation, deny reasons and audit
 * records all grow with `methods`, and a caller controls it.
 */
export const REQUEST_LIMITS = {
  /** Entries in `methods`. */
  maxMethods: 256,
  /** Characters of one entry (method names are at most 64, `event:<name>` 70). */
  maxMethodLength: 128,
} as const;

/** A method name, or `event:<name>`: the only entries a grant scope can hold. */
export function isScopeEntry(entry: string): boolean {
  return entry.startsWith(EVENT_SCOPE_PREFIX)
    ? isValidName(entry.slice(EVENT_SCOPE_PREFIX.length))
    : isDispatchableName(entry);
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

/**
 * Why `methods` cannot be requested, or `undefined` when it can: an array
 * of at most {@link REQUEST_LIMITS}.maxMethods scope entries. The count is
 * checked before any entry is looked at, so the work is bounded.
 */
export function requestedMethodsProblem(methods: unknown): string | undefined {
  if (!Array.isArray(methods))
    return `methods must be an array of strings, got ${describe(methods)}`;
  const { maxMethods, maxMethodLength } = REQUEST_LIMITS;
  if (methods.length > maxMethods)
    return `methods lists ${methods.length} entries; at most ${maxMethods} may be requested`;
  for (let i = 0; i < methods.length; i++) {
    const m: unknown = methods[i];
    if (typeof m !== 'string')
      return `methods must be an array of strings: methods[${i}] is ${describe(m)}`;
    if (m.length > maxMethodLength)
      return `methods[${i}] has ${m.length} characters; at most ${maxMethodLength}`;
    if (!isScopeEntry(m))
      return `methods[${i}] ${JSON.stringify(truncateText(m, 64))} is not a method name or event:<name> scope`;
  }
  return undefined;
}

/** Throw `INVALID_ARGUMENT` with {@link requestedMethodsProblem}'s reason. */
export function assertRequestedMethods(methods: unknown): asserts methods is string[] {
  const problem = requestedMethodsProblem(methods);
  if (problem !== undefined) throw TesseraError.invalidArgument(problem);
}
