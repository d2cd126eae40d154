import { ErrorCode, TesseraError } from '@tessera/protocol';
import { tokenId } from '@tessera/token-manager';

/**
 * One call the door refused before the module's code ran, as it reports it
 * for the audit trail. Never the token: at most the id of a grant the token
 * proved (a token that proved nothing is not named at all).
 */
export interface CallDenial {
  /** The connection's proven caller (undefined: it proved none). */
  caller?: string;
  /** The method called (`$subscribe` etc. for the door's own), cut to 128 characters. */
  method: string;
  /** `UNAUTHENTICATED`, `PERMISSION_DENIED` (scope, constraint) or `RESOURCE_EXHAUSTED` (rate limit). */
  code: string;
  /** The door's message, cut to 256 characters. */
  reason: string;
  /** The token id of the grant the call was refused under, when the token was a valid grant's. */
  grant?: string;
}

const REPORTED: ReadonlySet<string> = new Set([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.RESOURCE_EXHAUSTED,
]);

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * The denial `err` stands for, if it is one the door reports: a refusal
 * (`UNAUTHENTICATED`, `PERMISSION_DENIED`, `RESOURCE_EXHAUSTED`) thrown before
 * dispatch. A grant id is named only for refusals under a valid grant.
 */
export function denialOf(
  err: unknown,
  caller: string | undefined,
  method: string,
  token: unknown,
): CallDenial | undefined {
  if (!(err instanceof TesseraError) || !REPORTED.has(err.code)) return undefined;
  const id = err.code !== ErrorCode.UNAUTHENTICATED ? tokenId(token) : undefined;
  return {
    ...(caller !== undefined ? { caller } : {}),
    method: cut(String(method), 128),
    code: err.code,
    reason: cut(err.message, 256),
    ...(id !== undefined ? { grant: id } : {}),
  };
}
