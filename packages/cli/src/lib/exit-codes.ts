/** Process exit codes of every command. */
export const ExitCode = {
  OK: 0,
  /** The command ran and failed, or the answer is "no" (a deny). */
  FAILURE: 1,
  /** Bad arguments or a bad input file: nothing was done. */
  USAGE: 2,
  /**
   * `policy eval`: no answer could be had (no bundle, a broken bundle, an
   * evaluation error, a malformed decision): the fail-closed deny printed
   * is the engine's, not the policy's.
   */
  POLICY_ERROR: 3,
  /** `policy eval`: the policy leaves the request to the operator (`allow: "ask"`). */
  ASK: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
