import type { ModuleFacts } from '@tessera/policy';

/** Methods a module reaches on its core channel (policy decides who gets which). */
export const CORE_MODULE_METHODS = ['register', 'requestModule', 'releaseModule'] as const;
/** The core-manager surface, for operators. */
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
] as const;

/** The identity of whoever holds the operator socket (the CLI). */
export const OPERATOR = 'operator';

/** The core as a policy target: no exemptions, only what the policy grants. */
export const CORE_FACTS: ModuleFacts = {
  name: 'core',
  provides: { 'core-api': [...CORE_MODULE_METHODS], 'core-manager': [...CORE_MANAGER_METHODS] },
  requires: [],
};

/** Names no module may take. */
export const RESERVED_MODULE_NAMES: ReadonlySet<string> = new Set([
  'core',
  'capability',
  'operator',
]);
