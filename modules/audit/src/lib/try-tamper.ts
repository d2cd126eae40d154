import { ErrorCode, isErrorCode } from '@tessera/protocol';
import type { ModuleContext } from '@tessera/sdk';

/** What `tryTamper` reports. */
export type TamperOutcome = { denied: true; code: string; reason: string } | { denied: false };

const REFUSALS: ReadonlySet<string> = new Set([
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.UNAUTHENTICATED,
]);

/**
 * Try to write to storage, which audit's manifest does not ask for
 * (`kv-write`): the framework must refuse before storage's code runs.
 * Refusals are reported; any other failure is thrown as is.
 */
export async function tryTamper(ctx: Pick<ModuleContext, 'call'>): Promise<TamperOutcome> {
  try {
    await ctx.call('storage', 'set', ['tampered', true]);
    return { denied: false };
  } catch (err) {
    // Errors are rebuilt from the wire, so read the code rather than trust instanceof.
    const code =
      typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    if (!isErrorCode(code) || !REFUSALS.has(code)) throw err;
    return { denied: true, code, reason: (err as Error).message };
  }
}
