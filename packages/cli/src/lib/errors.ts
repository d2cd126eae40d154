import { ErrorCode, TesseraError } from '@tessera/protocol';

/** Codes that mean "the policy or a grant said no", as opposed to a failure. */
const DENIALS: ReadonlySet<string> = new Set([
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.UNAUTHENTICATED,
]);

/** True when `err` is a refusal by the policy or a grant's scope (read by code: errors are rebuilt from the wire). */
export function isDenial(err: unknown): err is TesseraError {
  return err instanceof TesseraError && DENIALS.has(err.code);
}

/** Config, manifest and bundle mistakes: nothing was started, fix the input (exit 2). */
const INPUT_ERRORS: ReadonlySet<string> = new Set([
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.NOT_FOUND,
  ErrorCode.FAILED_PRECONDITION,
]);

export function isInputError(err: unknown): err is TesseraError {
  return err instanceof TesseraError && INPUT_ERRORS.has(err.code);
}

/** `CODE: message` for a TesseraError, the message for anything else. */
export function describeError(err: unknown): string {
  if (err instanceof TesseraError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
