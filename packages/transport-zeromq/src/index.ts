/**
 * `@tessera/transport-zeromq`: the ZeroMQ transport (kind `zeromq`).
 * Router/Dealer over `ipc://` and `tcp://`, CURVE by default on tcp, frames
 * of one tick batched into one message.
 */
export { ZeroMqTransport } from './lib/zeromq-transport';
export type { ZeroMqTransportOptions } from './lib/options';
export { generateKeyPair, type CurveKeyPair } from './lib/curve/key-pair';
export type { ZeroMqStats } from './lib/peer/zeromq-stats';
export { registerZeroMqTransport } from './lib/register';
