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
    checkInteger(cfg['heartbeatIntervalMs'], 'heartbeatIntervalMs', 10, 60_000);
    checkInteger(cfg['heartbeatMisses'], 'heartbeatMisses', 2, 100);
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

/** Liveness tunables: whole numbers in range, or a config error naming the field. */
function checkInteger(value: unknown, key: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw TesseraError.invalidArgument(
      `transport.options.${key} must be a whole number from ${min} to ${max}`,
      { field: `transport.options.${key}` },
    );
}
