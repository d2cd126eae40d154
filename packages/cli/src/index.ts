/**
 * @tessera/cli: the `tessera` command line, and what apps embed from it —
 * `runApp` (what `tessera run` does), the typed `OperatorSession`, exit
 * codes and error formatting. Test helpers live in `@tessera/cli/testing`.
 */
export type { CliIo, Command } from './lib/command';
export { describeError, isDenial } from './lib/errors';
export { ExitCode } from './lib/exit-codes';
export { describeScope, type GrantScope } from './lib/format-terms';
export {
  NoRunningAppError,
  OperatorSession,
  readRunState,
  type RunState,
} from './lib/operator-session';
export { runApp, type RunAppOptions } from './lib/run-app';
export { UsageError } from './lib/usage-error';
export { commands } from './commands';
