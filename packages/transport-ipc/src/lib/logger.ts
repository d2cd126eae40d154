import type { Logger } from '@tessera/protocol';

function write(log: (...args: unknown[]) => void) {
  return (message: string, data?: Record<string, unknown>): void => {
    if (data === undefined) log(`[tessera:ipc] ${message}`);
    else log(`[tessera:ipc] ${message}`, data);
  };
}

/** The default logger: the console, with a `[tessera:ipc]` prefix. */
export const consoleIpcLogger: Logger = {
  info: write(console.info),
  warn: write(console.warn),
  error: write(console.error),
};
