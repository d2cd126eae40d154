import { isIPv4 } from 'node:net';
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
  /** How long the printed login URL stays good if unused; default 15 minutes. */
  loginTokenTtlMs?: number;
  /** A browser session ends after this long without a request; default 2 hours. */
  sessionIdleMs?: number;
  /** A browser session ends this long after its login, busy or not; default 12 hours. */
  sessionLifetimeMs?: number;
  /** Live streams one browser session may hold open at once; default 8. */
  maxStreamsPerSession?: number;
}

/**
 * Loopback by its literal: an IPv4 address in 127.0.0.0/8, `::1`, or
 * `localhost`. A name such as `127.evil.example` is not: it resolves to
 * whatever its owner says.
 */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
