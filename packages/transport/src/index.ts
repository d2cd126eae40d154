/**
 * `@tessera/transport`: the carrier contract ({@link Connection},
 * {@link Transport}), the RPC layer above every carrier ({@link RpcPeer}:
 * correlation, timeouts, cancellation, errors), the {@link FrameInbox}
 * carriers share, and the registry that picks a transport by config `kind`.
 */
export type {
  Connection,
  ConnectionHandler,
  ConnectOptions,
  Listener,
  PeerIdentity,
  Transport,
} from './lib/connection';
export { FrameInbox, type FrameInboxOptions } from './lib/frame-inbox';
export {
  RpcPeer,
  type CallHandler,
  type CallOptions,
  type IncomingCall,
  type Recover,
  type RpcPeerOptions,
} from './lib/rpc-peer';
export {
  TRANSPORT_REGISTRY,
  TransportRegistry,
  type TransportConfig,
  type TransportFactory,
} from './lib/transport-registry';
export { registerTransportRegistry } from './lib/register';
export {
  type ChannelIdentity,
  type ChannelIdentitySecret,
  channelIdentityFrom,
  createChannelIdentity,
  isChannelKey,
  verifyChannelSignature,
} from './lib/channel-auth/channel-identity';
export {
  type ChannelAuthOptions,
  type EndingConnection,
  acceptChannel,
  openChannel,
} from './lib/channel-auth/handshake';
export { withChannelAuth } from './lib/channel-auth/with-channel-auth';
export { loadTelemetry } from './lib/telemetry/telemetry-state';
