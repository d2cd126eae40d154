import type { DependencyContainer } from 'tsyringe';
import { registerTransportRegistry } from '@tessera/transport';
import { type InProcTransportOptions, InProcTransport } from './inproc-transport';
import type { InProcHub } from './inproc-hub';

/**
 * Register the `inproc` kind. Every transport the registry creates for this
 * container shares `options.hub` (default: the process-wide hub).
 */
export function registerInProcTransport(container: DependencyContainer, options: InProcTransportOptions = {}): void {
  registerTransportRegistry(container).add('inproc', (cfg) => {
    const unknown = Object.keys(cfg).filter((k) => k !== 'hub');
    if (unknown.length > 0) {
      throw new Error(`transport.options: inproc takes no options, got ${unknown.join(', ')}`);
    }
    return new InProcTransport({ hub: (cfg['hub'] as InProcHub | undefined) ?? options.hub });
  });
}
