import { TesseraError } from '@tessera/protocol';

/** Longest key the store accepts. */
export const MAX_KEY_LENGTH = 256;

/** Keys are non-empty strings of at most {@link MAX_KEY_LENGTH} characters. */
export function checkKey(key: unknown, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw TesseraError.invalidArgument(
      `${what} must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      { argument: what },
    );
  }
  return key;
}
