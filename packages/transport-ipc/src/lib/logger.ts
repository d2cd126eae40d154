/** Where the carrier reports what it drops: malformed input, oversized frames. */
export interface IpcLogger {
  warn(message: string, data?: Record<string, unknown>): void;
}

/** The default logger: `console.warn` with a `[tessera:ipc]` prefix. */
export const consoleIpcLogger: IpcLogger = {
  warn(message, data) {
    if (data === undefined) console.warn(`[tessera:ipc] ${message}`);
    else console.warn(`[tessera:ipc] ${message}`, data);
  },
};
