import type { ApprovalPending } from '@tessera/sdk';
import type { GrantTerms } from '@tessera/protocol';
import type { GrantInfo } from '@tessera/token-manager';
import type { DelegatedRoute } from './module-core-api';

/**
 * What the core may ask of a host, over the host's private core channel
 * (core → host). These calls carry no token: only the core can send on a
 * channel the host itself dialed, so the channel is the authority.
 */
export interface HostControl {
  /** informModuleToken, target side: store an inbound grant. */
  grant(token: string, info: GrantInfo): boolean;
  /** Revoke inbound grants by token id; returns how many were live. */
  revoke(grantIds: string[]): number;
  /**
   * Narrow an inbound grant's scope (policy reload); false if it is gone.
   * With `terms`, its constraints and rate limit become those (absent
   * fields: none); without, they stay.
   */
  narrow(grantId: string, methods: string[], terms?: GrantTerms): boolean;
  /** Narrow the scope of the token this host holds for `target`. */
  narrowOutbound(target: string, methods: string[]): boolean;
  /** Forget the token (and connection) this host holds for `target`. */
  dropOutbound(target: string): boolean;
  /**
   * Use `token` on the core channel from now on: the core re-issued the
   * host's core token (a reload had revoked it and a later one allows it).
   */
  coreToken(token: string): boolean;
  /**
   * A request of this host's module waits for the operator (the policy
   * answered `ask`): log its id and verification code, tell the module's
   * `awaitingApproval` listeners. Its `requestModule` call is still pending.
   */
  awaitingApproval(notice: ApprovalPending): boolean;
  /**
   * Another module handed this host's module part of its grant on
   * `route.target` (delegation): keep the token beside the module's own
   * for that target and use it for the methods it covers.
   */
  delegated(route: DelegatedRoute): boolean;
  /**
   * The host's resource use (remote hosts: `tessera hosts`, `tessera ls`).
   * What the host says of itself, shown to the operator, never used to decide.
   */
  stats(): HostResourceStats;
}

/** A host's resource use, as it measures it: CPU since the last sample, memory now. */
export interface HostResourceStats {
  pid: number;
  cpuPercent: number;
  cpuTimeMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** The dispatch table of {@link HostControl}: nothing else is served on the control channel. */
export const HOST_CONTROL_METHODS = [
  'grant',
  'revoke',
  'narrow',
  'narrowOutbound',
  'dropOutbound',
  'coreToken',
  'awaitingApproval',
  'delegated',
  'stats',
] as const satisfies readonly (keyof HostControl)[];

/** How long the core waits for a host to acknowledge a control call. */
export const CONTROL_TIMEOUT_MS = 5000;
