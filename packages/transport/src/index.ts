export * from './lib/connection';
export * from './lib/rpc-peer';
export * from './lib/transport-registry';
export * from './lib/register';
