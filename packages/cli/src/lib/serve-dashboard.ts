import type { AppConfig } from '@tessera/protocol';
import { type DashboardServer, isLoopback, startDashboard } from '@tessera/dashboard';
import type { CliIo } from './command';
import { OperatorSession } from './operator-session';

export interface ServeDashboardOptions {
  configFile: string;
  configShown: string;
  config: AppConfig;
  host: string;
  port: number;
  exposed: boolean;
  io: CliIo;
}

/**
 * Serve the dashboard for the app running for `configFile`: each browser
 * login opens an operator session of its own (as any `tessera` command
 * does), so the trail names the session behind each action. Prints the
 * one-time login URL, and a warning when it listens beyond loopback.
 */
export async function serveDashboard(o: ServeDashboardOptions): Promise<DashboardServer> {
  const server = await startDashboard({
    openSession: () => OperatorSession.forConfig(o.configFile, o.configShown),
    host: o.host,
    port: o.port,
    exposed: o.exposed,
    app: {
      config: o.configShown,
      transport: o.config.transport.kind,
      isolation: o.config.isolation,
    },
  });
  if (!isLoopback(o.host))
    o.io.stderr(
      `! the dashboard listens on ${o.host}, beyond this machine: anyone who can reach it and gets the login URL operates the app; there is no TLS\n`,
    );
  o.io.stdout(`  dashboard     ${server.loginUrl}\n`);
  o.io.stdout(
    '                (one-time login URL, good for 15 minutes: the first browser to open it gets the\n' +
      '                session; run `tessera dashboard` for a new one)\n',
  );
  return server;
}
