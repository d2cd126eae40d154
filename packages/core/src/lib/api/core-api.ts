import type {
  ApprovalOutcome,
  ApproveOptions,
  LiveGrant,
  PendingApproval,
} from '@tessera/capability';
import type { ModuleCoreApi } from '@tessera/host';
import type { PolicyDecision, PolicyInput } from '@tessera/policy';
import type { ModuleDescription } from '@tessera/proxy';
import type { SecurityEvent, SecurityFilter } from '../audit';
import type { ModuleListing, ModuleStats } from '../registry/module-registry';
import type { JoinRequest } from '../remote/join-request';
import type { PendingCredential, RemoteHostListing } from '../remote/remote-admission';
import type { PolicyStatus } from './policy-monitor';

/**
 * The core's whole surface (module/operator → core): what a module host
 * uses ({@link ModuleCoreApi}) and what an operator uses. Which identity
 * may call which method is the policy's decision (`core-api`,
 * `core-manager` capabilities), checked at the door like any call.
 */
export interface CoreApi extends ModuleCoreApi {
  listModules(): ModuleListing[];
  listLoaded(): ModuleListing[];
  /** Declared methods and events of a loaded module. */
  methods(name: string): ModuleDescription;
  grants(): LiveGrant[];
  stats(): ModuleStats[];
  load(name: string): boolean;
  unload(name: string): boolean;
  /**
   * A one-time credential for a host on another machine to join as the
   * module of package `module` (operator only): its facts are pinned now,
   * from the package the core resolves or the package.json given.
   */
  createJoinCredential(module: string, options?: JoinRequest | number): string;
  /** The operator's call into a module, relayed under its own grant (operator only). */
  callModule(module: string, method: string, args?: unknown[]): unknown;
  /** Requests waiting for the operator (the policy answered `ask`), oldest first (operator only). */
  approvals(): PendingApproval[];
  /**
   * Approve a waiting request (operator only), optionally narrower (fewer
   * methods, a shorter TTL, never wider than the policy's offer) and
   * remembered for the pair; `code`, when given, must match the one the
   * module logged.
   */
  approve(id: string, options?: ApproveOptions): ApprovalOutcome;
  /** Deny a waiting request (operator only): its caller gets `PERMISSION_DENIED` with `reason`. */
  deny(id: string, reason?: string): ApprovalOutcome;
  /**
   * Revoke `caller`'s grants on `target` now, at both ends, and forget an
   * approval remembered for the pair (operator only). Returns how many
   * grants were live. The caller's next request is decided afresh.
   */
  revoke(caller: string, target: string, reason?: string): number;
  /**
   * Recent events of the security trail, oldest first (operator only);
   * `$subscribe` to `security` for the ones that follow.
   */
  auditEvents(filter?: SecurityFilter): SecurityEvent[];
  /** Admitted remote hosts: module, key fingerprint, epoch, state, address, uptime, CPU and RSS (operator only). */
  hosts(): RemoteHostListing[];
  /**
   * Evict a remote host (operator only): revoke and fence its key, close its
   * sessions, unload its module (grants revoked everywhere). Its process is
   * told at its next attach and exits.
   */
  evict(module: string, reason?: string): { attached: boolean };
  /** Unspent join credentials (operator only): module, key fingerprint, expiry; never the secret. */
  credentials(): PendingCredential[];
  /** Revoke a module's unspent join credential (operator only); false when there was none. */
  revokeCredential(module: string): boolean;
  /** The policy revision in force and the last reload's outcome (operator only). */
  policyStatus(): PolicyStatus;
  /**
   * What the policy in force would decide for `input` (operator only): an
   * evaluation, no grant and no token come of it.
   */
  policyEval(input: PolicyInput): PolicyDecision;
}

/** The operator-facing part of the core's dispatch table. */
export const CORE_MANAGER_METHODS = [
  'listModules',
  'listLoaded',
  'load',
  'unload',
  'methods',
  'stats',
  'grants',
  'callModule',
  'createJoinCredential',
  'approvals',
  'approve',
  'deny',
  'revoke',
  'auditEvents',
  'hosts',
  'evict',
  'credentials',
  'revokeCredential',
  'policyStatus',
  'policyEval',
] as const satisfies readonly (keyof CoreApi)[];
