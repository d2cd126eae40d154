import type { UnexpectedFailure } from '@tessera/proxy';
import type { ModuleLogger } from '@tessera/sdk';

/**
 * Log a throw of the module's own code that was not a framework error: at
 * the target only, with everything needed to find it (call id, caller,
 * method, stack). The caller got `INTERNAL` with the same call id.
 */
export function logUnexpected(log: ModuleLogger, module: string, failure: UnexpectedFailure): void {
  const { callId, caller, method, error } = failure;
  const stack =
    error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : describe(error);
  log.error(`unexpected error in ${module}.${method} called by ${caller ?? 'an unproven peer'}`, {
    callId,
    caller: caller ?? null,
    method,
    stack,
  });
}

function describe(value: unknown): string {
  try {
    return `non-Error thrown: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
  } catch {
    return `non-Error thrown: ${Object.prototype.toString.call(value)}`;
  }
}
