import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { describeError } from '../lib/errors';
import { ExitCode } from '../lib/exit-codes';
import { OperatorSession } from '../lib/operator-session';
import { UsageError } from '../lib/usage-error';

export const admit: Command = {
  path: ['admit'],
  summary: 'mint a one-time join credential for a module host on another machine',
  usage: `usage: tessera admit <module> [--ttl seconds] [--config file]

Asks the app running for the config (which must use transport "zeromq" with
"network.listen") for a one-time credential that lets one host on another
machine join as <module>. The credential is printed on stdout; treat it like
a password and hand it to that machine's operator, who runs:

  tessera host --module <package> < credential

It works once, until it expires (default 10 minutes).

  --ttl seconds   how long the credential stays valid
  --config file   the app's config file

Exit codes: 0 printed, 1 refused or no running app, 2 usage error.`,
  async run(argv, io) {
    const { strings, positionals } = parseCommandLine(argv, {
      strings: ['config', 'ttl'],
      positionals: { names: ['module'], min: 1 },
    });
    const ttl = strings.ttl === undefined ? undefined : Number(strings.ttl);
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0))
      throw new UsageError(`--ttl must be a whole number of seconds (got ${strings.ttl})`);
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    try {
      const credential = await session.core.createJoinCredential(positionals[0] as string, ttl);
      io.stdout(`${credential}\n`);
      return ExitCode.OK;
    } catch (err) {
      io.stderr(`error: ${describeError(err)}\n`);
      return ExitCode.FAILURE;
    } finally {
      await session.close();
    }
  },
};
