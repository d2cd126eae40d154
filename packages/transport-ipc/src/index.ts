export * from './lib/ipc-address';
export * from './lib/logger';
export * from './lib/frame-reader';
export * from './lib/ipc-connection';
export * from './lib/ipc-listener';
export * from './lib/ipc-transport';
export * from './lib/options';
export * from './lib/register';
export { defaultRuntimeDir, ensurePrivateDir } from './lib/runtime-dir';
