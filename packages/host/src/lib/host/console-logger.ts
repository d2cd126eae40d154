import type { ModuleLogger } from '@tessera/sdk';

/** A module logger writing one line per message to stderr, tagged with the module. */
export function consoleLogger(module: string): ModuleLogger {
  const line = (level: string, message: string, data?: Record<string, unknown>): void => {
    process.stderr.write(
      `[${module}] ${level} ${message}${data ? ' ' + JSON.stringify(data) : ''}\n`,
    );
  };
  return {
    info: (m, d) => line('info', m, d),
    warn: (m, d) => line('warn', m, d),
    error: (m, d) => line('error', m, d),
  };
}
