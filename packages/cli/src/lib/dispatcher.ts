import type { CliIo, Command } from './command';
import { ExitCode } from './exit-codes';
import { UsageError } from './usage-error';

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** Extras of the top level: a footer for `tessera --help`, and flag aliases such as `--version`. */
export interface DispatchOptions {
  /** Appended to the top-level listing (e.g. the exit codes). */
  footer?: string;
  /** An argv that is exactly one of these words runs the aliased command, e.g. `{'--version': ['version']}`. */
  aliases?: Readonly<Record<string, string[]>>;
}

function listing(commands: Command[], prefix: string[], footer = ''): string {
  const rows = commands
    .filter((c) => prefix.every((word, i) => c.path[i] === word))
    .map((c) => `  tessera ${c.path.join(' ').padEnd(18)} ${c.summary}`);
  const scope = prefix.length ? `${prefix.join(' ')} ` : '';
  const tail =
    prefix.length === 0 && footer ? `\n${footer.endsWith('\n') ? footer : `${footer}\n`}` : '';
  return `usage: tessera ${scope}<command> [options]\n\ncommands:\n${rows.join('\n')}\n\nRun 'tessera <command> --help' for a command's options.\n${tail}`;
}

/**
 * Finds the command whose path is the longest prefix of argv and runs it.
 * `--help` works at every level; unknown commands and {@link UsageError}s
 * exit 2, anything else thrown exits 1.
 */
export async function dispatch(
  commands: Command[],
  argv: string[],
  io: CliIo,
  options: DispatchOptions = {},
): Promise<ExitCode> {
  const alias = argv.length === 1 && argv[0] !== undefined ? options.aliases?.[argv[0]] : undefined;
  if (alias) argv = alias;
  const match = commands
    .filter((c) => c.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!match) {
    const help = argv.some(isHelp);
    const words = argv.filter((a) => !a.startsWith('-') && !isHelp(a));
    const isGroup = words.length === 1 && commands.some((c) => c.path[0] === words[0]);
    if (words.length === 0 || isGroup) {
      // `tessera`, `tessera --help`, `tessera policy`, `tessera policy --help`
      (help ? io.stdout : io.stderr)(listing(commands, words, options.footer));
      return help ? ExitCode.OK : ExitCode.USAGE;
    }
    io.stderr(
      `tessera: unknown command '${words.join(' ')}'\n\n${listing(commands, [], options.footer)}`,
    );
    return ExitCode.USAGE;
  }
  const args = argv.slice(match.path.length);
  if (args.some(isHelp)) {
    io.stdout(match.usage.endsWith('\n') ? match.usage : `${match.usage}\n`);
    return ExitCode.OK;
  }
  try {
    return await match.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tessera ${match.path.join(' ')}: ${err.message}\n\n${match.usage}\n`);
      return ExitCode.USAGE;
    }
    io.stderr(
      `tessera ${match.path.join(' ')}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return ExitCode.FAILURE;
  }
}
