/**
 * @tessera/proxy: the one door every inbound call passes through
 * ({@link openInboundSession}) and the {@link ModuleProxy} dispatch table of
 * declared methods behind it.
 */
export type {
  CallContext,
  EventSpec,
  MethodSpec,
  ModuleDescription,
} from './lib/module-description';
export { RESERVED_METHOD_NAMES, isDispatchableName } from './lib/reserved-names';
export { denialOf, type CallDenial } from './lib/call-denial';
export {
  ModuleProxy,
  type ActiveCall,
  type EventSink,
  type ModuleProxyOptions,
  type VerifiedCache,
} from './lib/module-proxy';
export {
  openInboundSession,
  type InboundSession,
  type InboundSessionOptions,
  type SessionIdentity,
  type UnexpectedFailure,
} from './lib/inbound-session';
export { MODULE_PROXY_OPTIONS, registerProxy } from './lib/register';
