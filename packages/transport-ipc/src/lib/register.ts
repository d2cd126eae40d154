import type { DependencyContainer } from 'tsyringe';
import { registerTransportRegistry } from '@tessera/transport';
import { type IpcTransportOptions, IpcTransport } from './ipc-transport';
import { parseIpcConfig } from './options';

/**
 * Register the `ipc` kind. `defaults` (including a `logger`) apply to every
 * transport the registry creates; the config's `options` override them and
 * are validated first.
 */
export function registerIpcTransport(
  container: DependencyContainer,
  defaults: IpcTransportOptions = {},
): void {
  registerTransportRegistry(container).add(
    'ipc',
    (cfg) => new IpcTransport({ ...defaults, ...parseIpcConfig(cfg) }),
  );
}
