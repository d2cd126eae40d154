export * from './lib/options';
export * from './lib/zeromq-transport';
export * from './lib/register';
export { generateKeyPair, type CurveKeyPair } from './lib/curve/key-pair';
export type { ZeroMqStats } from './lib/peer/zeromq-stats';
