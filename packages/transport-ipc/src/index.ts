/**
 * `@tessera/transport-ipc`: the IPC transport (kind `ipc`). Unix domain
 * sockets (named pipes on Windows) in a private runtime directory, carrying
 * length-prefixed msgpack frames.
 */
export { IpcTransport, type IpcTransportOptions } from './lib/ipc-transport';
export { registerIpcTransport } from './lib/register';
export { defaultRuntimeDir } from './lib/runtime-dir';
