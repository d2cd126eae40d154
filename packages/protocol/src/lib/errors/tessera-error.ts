import { ErrorCode, isErrorCode } from './error-codes';

/** Structured details that may cross the wire. Keep them free of secrets. */
export type ErrorData = Record<string, unknown> | undefined;

/**
 * The brand every {@link TesseraError} carries, registered with
 * `Symbol.for` so that every copy of this package (a module's own nested
 * `node_modules`, or a drifted version) tags its errors with the same key.
 */
export const TESSERA_ERROR = Symbol.for('tessera.error');

/**
 * True for a framework error made by any copy of `@tessera/protocol`: it
 * carries the {@link TESSERA_ERROR} brand and a known code. Never
 * `instanceof` one class: two copies of the package are two classes.
 */
export function isTesseraError(value: unknown): value is TesseraError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[TESSERA_ERROR] === true &&
    isErrorCode((value as { code?: unknown }).code) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/**
 * The one error class of the framework. It survives the wire as
 * `{code, message, data}` and is rebuilt on the other side. `instanceof
 * TesseraError` checks the brand ({@link isTesseraError}), so it holds for
 * errors from another copy of this package too.
 */
export class TesseraError extends Error {
  override readonly name = 'TesseraError';

  /** `err instanceof TesseraError` means "carries the brand", whichever copy made it. */
  static override [Symbol.hasInstance](value: unknown): value is TesseraError {
    return isTesseraError(value);
  }

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: ErrorData,
  ) {
    super(message);
  }

  /** Shorthand constructors, one per code, so call sites read as intent. */
  static unauthenticated(message: string, data?: ErrorData): TesseraError {
    return new TesseraError(ErrorCode.UNAUTHENTICATED, message, data);
  }
  static permissionDenied(message: string, data?: ErrorData): TesseraError {
    return new TesseraError(ErrorCode.PERMISSION_DENIED, message, data);
  }
  static notFound(message: string, data?: ErrorData): TesseraError {
    return new TesseraError(ErrorCode.NOT_FOUND, message, data);
  }
  static methodNotFound(message: string, data?: ErrorData): TesseraError {
    return new TesseraError(ErrorCode.METHOD_NOT_FOUND, message, data);
  }
  static invalidArgument(message: string, data?: ErrorData): TesseraError {
    return new TesseraError(ErrorCode.INVALID_ARGUMENT, message, data);
  }
  static failedPrecondition(message: string, data?: ErrorData): TesseraError {
    return new TesseraError(ErrorCode.FAILED_PRECONDITION, message, data);
  }
  static unavailable(message: string, data?: ErrorData): TesseraError {
    return new TesseraError(ErrorCode.UNAVAILABLE, message, data);
  }
  static internal(message = 'Internal error'): TesseraError {
    return new TesseraError(ErrorCode.INTERNAL, message);
  }
}

Object.defineProperty(TesseraError.prototype, TESSERA_ERROR, { value: true });

/** True for a TesseraError (or one rebuilt from the wire) with the given code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return isTesseraError(err) && err.code === code;
}
