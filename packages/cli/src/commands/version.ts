import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../lib/command';
import { ExitCode } from '../lib/exit-codes';
import { parseCommandLine } from '../lib/command-line';

/** The version in this package's package.json (dist/commands -> package root). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export const version: Command = {
  path: ['version'],
  summary: 'print the version (also: tessera --version)',
  usage: `usage: tessera version
       tessera --version

Prints the version of @tessera/cli. Exit code 0.`,
  async run(args, io) {
    parseCommandLine(args, {});
    io.stdout(`tessera ${cliVersion()}\n`);
    return ExitCode.OK;
  },
};
