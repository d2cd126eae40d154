import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { runApp } from '../lib/run-app';

export const run: Command = {
  path: ['run'],
  summary: 'start an app from its tessera.config.json',
  usage: `usage: tessera run [config]

Starts the app described by config (default: ./tessera.config.json): checks
the config and every module's manifest, opens the policy bundle, loads the
modules in dependency order (one line each, with its start-up time and pid),
then serves the operator socket for 'tessera ls', 'call' and 'inspect' and
records it in .tessera/run.json next to the config.

Ctrl-C (SIGINT) or SIGTERM stops every module and removes .tessera/run.json;
a second Ctrl-C forces the exit (code 130).

Exit codes: 0 stopped cleanly, 1 a module failed to start or the app failed,
2 usage error, bad config or manifest, or a missing policy bundle.`,
  async run(args, io) {
    const { positionals } = parseCommandLine(args, { positionals: { names: ['config'], min: 0 } });
    return runApp({ config: positionals[0], io });
  },
};
