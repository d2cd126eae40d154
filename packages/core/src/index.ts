/**
 * @tessera/core: loads an app's modules, hands each its core channel,
 * supervises their hosts, routes grants, and serves the operator. The
 * composition root is {@link createTessera}; apps from a config file use
 * {@link startApp}.
 */
export { createTessera, type Tessera, type TesseraOptions } from './lib/tessera';
export type { SandboxLayers } from './lib/launch/sandbox';
export {
  loadConfig,
  startApp,
  stateFileFor,
  operatorKeyFileFor,
  networkStateDirFor,
  type RunningApp,
  type StartAppOptions,
} from './lib/app/start-app';
export { checkApp, type AppCheck } from './lib/app/check-app';
export {
  isRunLive,
  readRunRecord,
  runPathsFor,
  sweepStaleRun,
  type RunPaths,
  type RunRecord,
  type SweptRun,
} from './lib/app/run-state';
export type { Core } from './lib/core/core';
export type { CoreEvent, RestartPolicy } from './lib/lifecycle/core-events';
export type { ModuleEntry, ModuleListing, ModuleStats } from './lib/registry/module-registry';
export { CORE_MANAGER_METHODS, type CoreApi } from './lib/api/core-api';
export type { PolicyReload, PolicyStatus } from './lib/api/policy-monitor';
export type { GrantChange, ApprovalChange } from './lib/operator';
export { CORE_MODULE_METHODS } from '@tessera/host';
export { OPERATOR } from './lib/registry/core-facts';
export { runRemoteHost, type RemoteHostOptions } from './lib/remote/remote-host';
export type { JoinRequest } from './lib/remote/join-request';
export {
  PASSPHRASE_ENV,
  PASSPHRASE_FILE_ENV,
  resolvePassphrase,
  readSealedFile,
  writeSealedFile,
} from './lib/secrets';
export {
  SECURITY_EVENT_KINDS,
  SecurityTrail,
  matchesFilter,
  type GrantCause,
  type SecurityEvent,
  type SecurityEventKind,
  type SecurityFilter,
  type SecurityOutcome,
  type SecurityTrailOptions,
} from './lib/audit';
export { securityLogPath } from './lib/app/security-log';
