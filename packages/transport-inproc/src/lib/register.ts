import type { DependencyContainer } from 'tsyringe';
import { registerTransportRegistry } from '@tessera/transport';
import { type InProcTransportOptions, InProcTransport } from './inproc-transport';
import { InProcHub } from './inproc-hub';
import { TesseraError } from '@tessera/protocol';

/**
 * Register the `inproc` kind. Every transport the registry creates for this
 * container shares `options.hub` (default: the process-wide hub).
 */
export function registerInProcTransport(
  container: DependencyContainer,
  options: InProcTransportOptions = {},
): void {
  registerTransportRegistry(container).add('inproc', (cfg) => {
    const unknown = Object.keys(cfg).filter((k) => k !== 'hub');
    if (unknown.length > 0) {
      throw TesseraError.invalidArgument(
        `transport.options.${unknown[0]}: inproc takes no options`,
        { field: `transport.options.${unknown[0]}` },
      );
    }
    const hub = cfg['hub'];
    if (hub !== undefined && !(hub instanceof InProcHub)) {
      throw TesseraError.invalidArgument('transport.options.hub must be an InProcHub', {
        field: 'transport.options.hub',
      });
    }
    return new InProcTransport({ hub: hub ?? options.hub });
  });
}
