#!/usr/bin/env node
import { commands } from './commands';
import type { CliIo } from './lib/command';
import { dispatch } from './lib/dispatcher';
import { TOP_LEVEL_HELP } from './lib/top-level-help';

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
};

/** Exit with `code`; if a stray handle keeps the loop alive after a command finished, leave anyway. */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

dispatch(commands, process.argv.slice(2), io, {
  footer: TOP_LEVEL_HELP,
  aliases: { '--version': ['version'], '-V': ['version'] },
}).then(finish, (err: unknown) => {
  process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
  finish(1);
});
