import { loadConfig } from '@tessera/core';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { followUntilStopped } from '../lib/follow';
import { isLoopback } from '@tessera/dashboard';
import { OperatorSession } from '../lib/operator-session';
import { serveDashboard } from '../lib/serve-dashboard';
import { UsageError } from '../lib/usage-error';

export const dashboard: Command = {
  path: ['dashboard'],
  summary: 'serve the operator web dashboard for the running app',
  usage: `usage: tessera dashboard [--config file] [--port N] [--host H --allow-exposed]

Attaches to the app running for the config as the operator and serves the
web dashboard (modules, the live grants graph, the audit stream, approvals,
the policy) until Ctrl-C. Prints a one-time login URL, good for 15
minutes: the first browser that opens it gets the session (an HttpOnly
cookie and a page key kept by that tab; the cookie alone is refused); run
the command again for a new one. Every action is made (and audited) as that
browser's own operator session.

  --port N          the port (default 0: any free port)
  --host H          listen on H (default 127.0.0.1); anything but loopback
                    also needs --allow-exposed, and prints a warning
  --allow-exposed   acknowledge a non-loopback --host
  --config file     the app's config file

A 'dashboard' key in tessera.config.json serves it from 'tessera run' too.

Exit codes: 0 stopped with Ctrl-C, 1 no running app or the app stopped,
2 usage error.`,
  async run(args, io) {
    const { strings, flags } = parseCommandLine(args, {
      strings: ['config', 'port', 'host'],
      booleans: ['allow-exposed'],
    });
    const port = strings.port === undefined ? 0 : Number(strings.port);
    if (!/^\d+$/.test(strings.port ?? '0') || port > 65535)
      throw new UsageError(`--port takes a port number (0 for any), got '${strings.port}'`);
    const host = strings.host ?? '127.0.0.1';
    if (!isLoopback(host) && !flags['allow-exposed'])
      throw new UsageError(
        `--host ${host} is not loopback: add --allow-exposed if you mean to serve the dashboard beyond this machine`,
      );
    const { file, shown } = configFileOf(strings.config, io.cwd);
    // One session watches the app: when it stops, the dashboard stops too.
    const watch = await OperatorSession.forConfig(file, shown);
    let server;
    try {
      const config = await loadConfig(file);
      server = await serveDashboard({
        ...{ configFile: file, configShown: shown, config, host, port },
        exposed: flags['allow-exposed'],
        io,
      });
    } catch (err) {
      await watch.close();
      throw err;
    }
    io.stdout('serving the dashboard (Ctrl-C to stop)\n');
    try {
      return await followUntilStopped(watch, io);
    } finally {
      await server.close();
    }
  },
};
