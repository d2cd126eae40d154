/**
 * @tessera/host: what runs beside a module — the module host, its door, the
 * typed core↔host contracts, the outbound caller, and the process entry.
 */
export {
  CONTROL_TIMEOUT_MS,
  HOST_CONTROL_METHODS,
  type HostControl,
  type HostResourceStats,
} from './lib/contracts/host-control';
export {
  CORE_MODULE_METHODS,
  type DelegateRequest,
  type DelegatedRoute,
  type DelegationInfo,
  type DeniedCalls,
  type HostRegistration,
  type ModuleCoreApi,
  type ModuleRequest,
  type ModuleRoute,
} from './lib/contracts/module-core-api';
export {
  contractCall,
  contractClient,
  contractHandler,
  type ContractClientOptions,
} from './lib/contracts/contract-client';
export {
  ModuleCaller,
  type CoreLink,
  type Dialer,
  type OutboundTokens,
} from './lib/caller/module-caller';
export { ModuleHost, type ModuleHostOptions } from './lib/host/module-host';
export { DenialFolds } from './lib/host/denial-folds';
export { hostControl, type HostState } from './lib/host/host-control-handler';
export { loadDefinition } from './lib/definition/load-definition';
export { hostMainPath } from './lib/process/host-main-path';
export type {
  BootstrapMessage,
  CoreMessage,
  HostMessage,
  StopMessage,
} from './lib/process/host-messages';
export { registerHostTransports } from './lib/process/host-transports';
