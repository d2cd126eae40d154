import { createHash, randomBytes } from 'node:crypto';

/** Bytes of the public lookup half and of the secret half of a token. */
const ID_BYTES = 16;
const SECRET_BYTES = 16;
const ID_CHARS = 22; // base64url of 16 bytes
const SECRET_CHARS = 22;

/** A parsed token: the id is a lookup key, the secret is what proves possession. */
export interface ParsedToken {
  id: string;
  secret: string;
}

/**
 * Mint a fresh token: `<id>.<secret>`, 256 bits from the OS CSPRNG, of which
 * the 128-bit secret alone makes it unguessable even if the id leaks.
 */
export function mintToken(): string {
  const bytes = randomBytes(ID_BYTES + SECRET_BYTES);
  return (
    bytes.subarray(0, ID_BYTES).toString('base64url') +
    '.' +
    bytes.subarray(ID_BYTES).toString('base64url')
  );
}

/** Split a token; `undefined` for anything not shaped like one of ours. */
export function parseToken(token: unknown): ParsedToken | undefined {
  if (typeof token !== 'string' || token.length !== ID_CHARS + 1 + SECRET_CHARS) return undefined;
  if (token.charCodeAt(ID_CHARS) !== 46 /* . */) return undefined;
  return { id: token.slice(0, ID_CHARS), secret: token.slice(ID_CHARS + 1) };
}

/**
 * Compare two strings in time that depends only on their length, never on
 * where they first differ. Both halves of a token have a fixed length, so the
 * length check leaks nothing.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Constant-time check that `token` carries `secret` after its id, without
 * slicing it (the per-call path allocates nothing).
 */
export function secretMatches(token: string, secret: string): boolean {
  if (token.length !== ID_CHARS + 1 + secret.length) return false;
  let diff = 0;
  for (let i = 0; i < secret.length; i++)
    diff |= token.charCodeAt(ID_CHARS + 1 + i) ^ secret.charCodeAt(i);
  return diff === 0;
}

/** The lookup half of a well-shaped token, or `undefined`. */
export function tokenId(token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length !== ID_CHARS + 1 + SECRET_CHARS) return undefined;
  if (token.charCodeAt(ID_CHARS) !== 46 /* . */) return undefined;
  return token.slice(0, ID_CHARS);
}

/**
 * A short, non-reversible tag for logs and audit records: the first 12 hex
 * digits of SHA-256. Tokens are never logged in full.
 */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
