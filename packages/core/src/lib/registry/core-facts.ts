import { CORE_MODULE_METHODS } from '@tessera/host';
import type { ModuleFacts } from '@tessera/policy';
import { eventScope } from '@tessera/protocol';
import { CORE_MANAGER_METHODS } from '../api/core-api';
import { SECURITY_EVENT_SPEC } from '../audit/security-event';
import { OPERATOR_EVENTS } from '../operator/operator-events';

/** The identity of whoever holds the operator socket (the CLI). */
export const OPERATOR = 'operator';

/** The core as a policy target: no exemptions, only what the policy grants. */
export const CORE_FACTS: ModuleFacts = {
  name: 'core',
  provides: {
    'core-api': [...CORE_MODULE_METHODS],
    // The operator's methods, and the core's events it may subscribe to.
    'core-manager': [
      ...CORE_MANAGER_METHODS,
      ...[...OPERATOR_EVENTS, SECURITY_EVENT_SPEC].map((e) => eventScope(e.name)),
    ],
  },
  requires: [],
};

/** Names no module may take. */
export const RESERVED_MODULE_NAMES: ReadonlySet<string> = new Set([
  'core',
  'capability',
  'operator',
]);
