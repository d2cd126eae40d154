/**
 * @tessera/sdk: what a module author touches — `defineModule`, the
 * `ModuleContext` a module sees, and typed `Client<T>`s. No transport here.
 */
export { paramNames } from './lib/param-names';
export type {
  CallOptions,
  Client,
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
  type ModuleDefinition,
  type ModuleSpec,
} from './lib/define-module';
