/**
 * Every error code Tessera puts on the wire, in one table. Tests and callers
 * assert on these codes, never on `instanceof` across a process boundary.
 */
export const ErrorCode = {
  /** No token, an unknown token, or a token not bound to this caller. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller is known but the policy or the grant's scope does not allow this. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** A module, grant or resource that does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The target module declares no such method. */
  METHOD_NOT_FOUND: 'METHOD_NOT_FOUND',
  /** Malformed input: bad frame, bad arguments, bad config, bad manifest. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The call did not complete before its deadline. */
  TIMEOUT: 'TIMEOUT',
  /** The caller cancelled the call (AbortSignal). */
  CANCELLED: 'CANCELLED',
  /** The peer is gone, closing, or not reachable. Retrying later may work. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A queue or limit is full (frame size, high-water mark). */
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  /** The operation is not valid in the current state (e.g. module not loaded). */
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  /** An unexpected failure. Never carries internals across the wire. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const codes = new Set<string>(Object.values(ErrorCode));

/** True when `value` is one of the codes in {@link ErrorCode}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codes.has(value);
}
