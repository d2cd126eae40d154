import { ErrorCode } from './error-codes';

/** Structured details that may cross the wire. Keep them free of secrets. */
export type ErrorData = Record<string, unknown> | undefined;

/**
 * The one error class of the framework. It survives the wire as
 * `{code, message, data}` and is rebuilt on the other side.
 */
export class TesseraError extends Error {
  override readonly name = 'TesseraError';

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

/** True for a TesseraError (or one rebuilt from the wire) with the given code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof TesseraError && err.code === code;
}
