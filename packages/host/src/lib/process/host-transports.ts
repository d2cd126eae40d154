import type { DependencyContainer } from 'tsyringe';
import { registerInProcTransport } from '@tessera/transport-inproc';
import { registerIpcTransport } from '@tessera/transport-ipc';
import { registerZeroMqTransport } from '@tessera/transport-zeromq';

/** Every carrier a host process (or the core) can be configured with. */
export function registerHostTransports(c: DependencyContainer): void {
  registerInProcTransport(c);
  registerIpcTransport(c);
  registerZeroMqTransport(c);
}
