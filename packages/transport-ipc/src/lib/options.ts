import { TesseraError } from '@tessera/protocol';
import type { IpcTransportOptions } from './ipc-transport';

type Check = (value: unknown) => boolean;

const positiveInteger: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** The keys a config may set under `transport.options` for kind `ipc`, and what each must be. */
const CONFIG_KEYS: Record<string, { check: Check; want: string }> = {
  runtimeDir: {
    check: (v) => typeof v === 'string' && v.startsWith('/'),
    want: 'an absolute path',
  },
  maxFrameBytes: {
    check: (v) => positiveInteger(v) && (v as number) <= 0xffffffff,
    want: 'an integer in 1..4294967295',
  },
  connectTimeoutMs: { check: positiveInteger, want: 'a positive integer' },
};

/**
 * Validate the `options` half of a `{kind: 'ipc', options}` config. Throws
 * `INVALID_ARGUMENT` naming the field (`transport.options.<key>`) for an
 * unknown key or a value of the wrong type.
 */
export function parseIpcConfig(cfg: Record<string, unknown>): IpcTransportOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cfg)) {
    const field = `transport.options.${key}`;
    const rule = Object.prototype.hasOwnProperty.call(CONFIG_KEYS, key)
      ? CONFIG_KEYS[key]
      : undefined;
    if (!rule) {
      throw TesseraError.invalidArgument(
        `${field} is not an ipc transport option; known: ${Object.keys(CONFIG_KEYS).join(', ')}`,
        { field },
      );
    }
    if (value === undefined) continue;
    if (!rule.check(value)) {
      throw TesseraError.invalidArgument(
        `${field} must be ${rule.want}, got ${JSON.stringify(value)}`,
        { field },
      );
    }
    out[key] = value;
  }
  return out as IpcTransportOptions;
}
