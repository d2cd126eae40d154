/** The one rule for dispatchable names lives in the protocol, shared with the manifest check. */
export { RESERVED_METHOD_NAMES, isDispatchableName } from '@tessera/protocol';
