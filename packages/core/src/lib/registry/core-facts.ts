import { CORE_MODULE_METHODS } from '@tessera/host';
import type { ModuleFacts } from '@tessera/policy';
import { CORE_MANAGER_METHODS } from '../api/core-api';

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
