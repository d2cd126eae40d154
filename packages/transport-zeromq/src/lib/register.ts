import { TesseraError } from '@tessera/protocol';
import type { DependencyContainer } from 'tsyringe';
import { registerTransportRegistry } from '@tessera/transport';
import { ZEROMQ_OPTION_KEYS, type ZeroMqTransportOptions } from './options';
import { ZeroMqTransport } from './zeromq-transport';

const CURVE_KEYS = ['secretKey', 'publicKey', 'authorize', 'serverKey'];

/**
 * Register the `zeromq` kind. `options` are defaults; the config's
 * `transport.options` override them key by key. An unknown key is an error
 * naming `transport.options.<key>`, never silently ignored.
 */
export function registerZeroMqTransport(
  container: DependencyContainer,
  options: ZeroMqTransportOptions = {},
): void {
  registerTransportRegistry(container).add('zeromq', (cfg) => {
    for (const key of Object.keys(cfg)) {
      if (!(ZEROMQ_OPTION_KEYS as readonly string[]).includes(key)) {
        throw TesseraError.invalidArgument(
          `transport.options.${key} is not a zeromq option; known: ${ZEROMQ_OPTION_KEYS.join(', ')}`,
          { field: `transport.options.${key}` },
        );
      }
    }
    const curve = cfg['curve'];
    if (typeof curve === 'object' && curve !== null) {
      for (const key of Object.keys(curve)) {
        if (!CURVE_KEYS.includes(key)) {
          throw TesseraError.invalidArgument(
            `transport.options.curve.${key} is not a curve option; known: ${CURVE_KEYS.join(', ')}`,
            { field: `transport.options.curve.${key}` },
          );
        }
      }
    } else if (curve !== undefined && curve !== false) {
      throw TesseraError.invalidArgument(
        'transport.options.curve must be an object of keys or false',
        { field: 'transport.options.curve' },
      );
    }
    return new ZeroMqTransport({ ...options, ...(cfg as ZeroMqTransportOptions) });
  });
}
