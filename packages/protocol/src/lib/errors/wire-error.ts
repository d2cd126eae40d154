import { ErrorCode, isErrorCode } from './error-codes';
import { TesseraError, isTesseraError } from './tessera-error';

/** How an error travels inside an `error` frame. */
export interface WireError {
  code: ErrorCode;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Turn anything thrown into a wire error. Only {@link TesseraError}s (by
 * brand: from any copy of this package) keep
 * their message and data; anything else becomes `INTERNAL` with a fixed
 * message, so stack traces, paths and secrets never leave the process.
 */
export function toWireError(err: unknown): WireError {
  if (isTesseraError(err)) {
    const wire: WireError = { code: err.code, message: err.message };
    if (err.data !== undefined) wire.data = err.data;
    return wire;
  }
  return { code: ErrorCode.INTERNAL, message: 'Internal error' };
}

/** Rebuild the framework error from a wire error; unknown codes become `INTERNAL`. */
export function fromWireError(wire: unknown): TesseraError {
  if (typeof wire !== 'object' || wire === null) return TesseraError.internal();
  const { code, message, data } = wire as Partial<WireError>;
  if (!isErrorCode(code) || typeof message !== 'string') return TesseraError.internal();
  const safeData = typeof data === 'object' && data !== null ? data : undefined;
  return new TesseraError(code, message, safeData);
}
