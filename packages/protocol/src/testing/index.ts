import { TesseraError } from '../lib/errors/tessera-error';

/**
 * The TesseraError a promise rejects with. Fails the test if it resolves or
 * rejects with anything else, so assertions stay on codes, not instanceof.
 */
export async function errorOf(p: Promise<unknown>): Promise<TesseraError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('expected a TesseraError, but the call resolved');
}

/** The error code a call ends with, or 'RESOLVED' when it did not fail. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TesseraError) return err.code;
    throw err;
  }
  return 'RESOLVED';
}
