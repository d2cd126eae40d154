import type { OpenOperatorLink } from './operator-link';

/** Where and how `startDashboard` serves. */
export interface DashboardOptions {
  /** Opens one operator session per browser login (the CLI's `OperatorSession`). */
  openSession: OpenOperatorLink;
  /** Default `127.0.0.1`. Anything but loopback needs `exposed: true`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Acknowledges a non-loopback `host`: the caller prints the warning. */
  exposed?: boolean;
  /** Shown on the page: the app's config, transport and isolation. */
  app?: { config?: string; transport?: string; isolation?: string };
  /** How often an open page gets fresh CPU and memory samples; default 2000 ms. */
  statsEveryMs?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || /^127\./.test(host);
