/** Where policy components report what an operator must see (load errors, rejected reloads). */
export interface PolicyLogger {
  error(message: string): void;
  info(message: string): void;
}

/** Default logger: stderr, one line per message, prefixed. */
export const stderrPolicyLogger: PolicyLogger = {
  error: (message) => process.stderr.write(`[tessera:policy] error: ${message}\n`),
  info: (message) => process.stderr.write(`[tessera:policy] ${message}\n`),
};

/** A logger that drops everything (tests, CLI one-shots that print their own errors). */
export const silentPolicyLogger: PolicyLogger = { error: () => undefined, info: () => undefined };
