/** Thrown by commands for bad arguments or input files; the dispatcher prints it and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
