/**
 * @tessera/dashboard: the operator's web UI (modules, the live grants graph,
 * the audit stream, approvals, the policy), served on loopback behind a
 * one-time login. The CLI's `tessera dashboard` and `tessera run` start it
 * with {@link startDashboard}, handing it a way to open operator sessions.
 */
export { startDashboard, type DashboardServer } from './lib/dashboard-server';
export { type DashboardOptions, isLoopback } from './lib/dashboard-options';
export type { OperatorLink, OpenOperatorLink } from './lib/operator-link';
export { DashboardRefusal } from './lib/http-errors';
