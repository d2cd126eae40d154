import type { CoreApi } from '@tessera/core';
import type { Client } from '@tessera/sdk';
import type { CliIo } from './command';
import { parseCommandLine } from './command-line';
import { configFileOf } from './config-option';
import { ExitCode } from './exit-codes';
import { formatTable } from './format';
import { askRunningApp } from './operator-session';

/** What a listing command asks the running app, and how it prints the rows. */
export interface RunningAppListing<T> {
  ask: (core: Client<CoreApi>) => Promise<T[]>;
  /** Printed instead of an empty table. */
  none: string;
  header: string[];
  row: (item: T) => string[];
}

/**
 * The body of a `[--config file] [--json]` listing command (`hosts`,
 * `credentials`): ask the app running for the config as the operator, then
 * print the rows as JSON, or a line saying there are none, or a table.
 */
export async function listRunningApp<T>(
  args: string[],
  io: CliIo,
  listing: RunningAppListing<T>,
): Promise<ExitCode> {
  const { strings, flags } = parseCommandLine(args, { strings: ['config'], booleans: ['json'] });
  const { file, shown } = configFileOf(strings.config, io.cwd);
  const asked = await askRunningApp(file, shown, io, listing.ask);
  if ('code' in asked) return asked.code;
  const rows = asked.answer;
  if (flags.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0) io.stdout(`${listing.none}\n`);
  else io.stdout(formatTable([listing.header, ...rows.map(listing.row)]));
  return ExitCode.OK;
}
