/**
 * @tessera/sdk: what a module author touches — `defineModule`, the
 * `ModuleContext` a module sees, and typed `Client<T>`s. No transport here.
 */
export { paramNames } from './lib/param-names';
export type { CallerInfo } from './lib/caller-info';
export type {
  ApprovalPending,
  CallOptions,
  Client,
  DelegateOptions,
  DelegatedGrant,
  LifecycleHook,
  LifecycleHooks,
  ModuleContext,
  ModuleLogger,
  SubscriptionRevoked,
} from './lib/module-context';
export { LIFECYCLE_HOOKS } from './lib/module-context';
export {
  MODULE_DEFINITION,
  defineModule,
  isModuleDefinition,
  specOf,
  type ModuleApi,
  type ModuleDefinition,
  type ModuleSpec,
} from './lib/define-module';
export type {
  Emit,
  EventName,
  EventPayload,
  EventSource,
  ModuleName,
  TesseraEvents,
  TesseraModules,
} from './lib/module-registry';
