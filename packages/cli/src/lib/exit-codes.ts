/** Process exit codes of every command. */
export const ExitCode = {
  OK: 0,
  /** The command ran and failed, or the answer is "no" (a deny). */
  FAILURE: 1,
  /** Bad arguments or a bad input file: nothing was done. */
  USAGE: 2,
  /**
   * `tessera host` only: the core fenced this process (replaced, evicted, or
   * a newer process holds its key). A supervisor must not restart it
   * (systemd: `RestartPreventExitStatus=3`).
   */
  FENCED: 3,
  /**
   * `policy eval` only: no answer could be had (no bundle, a broken bundle,
   * an evaluation error, a malformed decision): the fail-closed deny printed
   * is the engine's, not the policy's.
   */
  POLICY_ERROR: 4,
  /** `policy eval` only: the policy leaves the request to the operator (`allow: "ask"`). */
  ASK: 5,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
