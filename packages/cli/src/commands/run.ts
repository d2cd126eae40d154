import { checkApp } from '@tessera/core';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { describeError, isInputError } from '../lib/errors';
import { ExitCode } from '../lib/exit-codes';
import { runApp } from '../lib/run-app';

export const run: Command = {
  path: ['run'],
  summary: 'start an app from its tessera.config.json (--check: validate only)',
  usage: `usage: tessera run [config] [--check]

Starts the app described by config (default: ./tessera.config.json): checks
the config and every module's manifest, opens the policy bundle, loads the
modules in dependency order (one line each, with its start-up time and pid),
then serves the operator socket for 'tessera ls', 'call' and 'inspect' and
records it in .tessera/run/<config file name>/run.json next to the config.

One run per config file: starting a config that is already running is
refused, naming the running pid. What a killed run left behind (run.json,
its credential, its sockets) is detected and swept by the next run (or by
'tessera ls').

Ctrl-C (SIGINT) or SIGTERM stops every module and removes the run's state
and sockets; a second Ctrl-C forces the exit (code 130), still removing them.

  --check   validate without starting anything (for CI): the config, every
            module's package and manifest, the policy bundle, and that the
            policy lets each module register with the core

Exit codes: 0 stopped cleanly (or --check passed), 1 a module failed to start
or the app failed, 2 usage error, bad config or manifest, a missing policy
bundle, or the app is already running.`,
  async run(args, io) {
    const { positionals, flags } = parseCommandLine(args, {
      booleans: ['check'],
      positionals: { names: ['config'], min: 0 },
    });
    if (!flags.check) return runApp({ config: positionals[0], io });
    const { file, shown } = configFileOf(positionals[0], io.cwd);
    try {
      const checked = await checkApp(file);
      for (const m of checked.modules) io.stdout(`✓ ${m.name} (${m.packageName})\n`);
      io.stdout(
        `✓ ${shown}: config, ${checked.modules.length} module manifest(s) and the policy ${checked.config.policy.bundle} are valid; nothing was started\n`,
      );
      return ExitCode.OK;
    } catch (err) {
      io.stderr(`tessera run --check: ${isInputError(err) ? err.message : describeError(err)}\n`);
      return isInputError(err) ? ExitCode.USAGE : ExitCode.FAILURE;
    }
  },
};
