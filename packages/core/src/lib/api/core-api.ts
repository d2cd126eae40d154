import type { LiveGrant } from '@tessera/capability';
import type { ModuleCoreApi } from '@tessera/host';
import type { ModuleDescription } from '@tessera/proxy';
import type { ModuleListing, ModuleStats } from '../registry/module-registry';
import type { JoinRequest } from '../remote/join-request';

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
] as const satisfies readonly (keyof CoreApi)[];
