import type { ExitCode } from './exit-codes';

/** What a command may touch: streams, working directory, environment. Tests pass fakes. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** One command, e.g. `tessera policy eval`. Add a file under src/commands and list it in commands/index.ts. */
export interface Command {
  /** Words after `tessera`, e.g. ['policy', 'eval']. */
  path: string[];
  summary: string;
  /** Full help text shown by `--help`. */
  usage: string;
  /** Receives the arguments after the path. Throw {@link UsageError} for bad usage. */
  run(args: string[], io: CliIo): Promise<ExitCode>;
}
