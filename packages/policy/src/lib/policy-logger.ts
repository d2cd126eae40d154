import type { Logger } from '@tessera/protocol';

/** The {@link Logger} policy components report to (load errors, rejected reloads). */
export type PolicyLogger = Logger;

function stderrLine(level: string, message: string, data?: Record<string, unknown>): void {
  const fields = data === undefined ? '' : ` ${JSON.stringify(data)}`;
  process.stderr.write(`[tessera:policy] ${level}${message}${fields}\n`);
}

/** Default logger: stderr, one line per message, prefixed. */
export const stderrPolicyLogger: Logger = {
  info: (message, data) => stderrLine('', message, data),
  warn: (message, data) => stderrLine('warn: ', message, data),
  error: (message, data) => stderrLine('error: ', message, data),
};

/** A logger that drops everything (tests, CLI one-shots that print their own errors). */
export const silentPolicyLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
