import { Packr } from 'msgpackr';
import { ErrorCode } from '../errors/error-codes';
import { TesseraError } from '../errors/tessera-error';
import type { Frame } from '../frames/frame';
import { refusedContent } from './msgpack-subset';
import { fromWire, toWire } from './wire-layout';

/** Default largest frame a peer may send: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

const A_FUNCTION = 'a function';

// Records off: both ends stay stateless, so any frame decodes on its own.
// Structured clone off, per instance (refusedContent refuses its extensions
// anyway). A function would silently become undefined: refuse it instead, as
// msgpackr refuses a symbol.
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  structuredClone: false,
  writeFunction: () => {
    throw new TypeError(A_FUNCTION);
  },
});

/**
 * Encode one frame as msgpack bytes. Throws `INVALID_ARGUMENT` ("frame could
 * not be encoded: a function") for a value msgpack cannot carry (a function,
 * a symbol, a bigint beyond 64 bits, a cycle or nesting too deep, a throwing
 * getter) and for bytes {@link decodeFrame} would refuse, such as an extension
 * other code registered with msgpackr: what we send always decodes. `data.reason`
 * is the part after the colon; it names a kind of value, never the value.
 */
export function encodeFrame(frame: Frame): Buffer {
  let bytes: Buffer;
  try {
    bytes = packr.pack(toWire(frame));
  } catch (err) {
    throw unencodable(encodeFailure(err));
  }
  const refused = refusedContent(bytes);
  if (refused !== undefined) throw unencodable(refused);
  return bytes;
}

/**
 * Decode and validate one frame. Throws `INVALID_ARGUMENT` for bytes that
 * are not msgpack, carry a msgpack extension Tessera does not write, or are
 * not a frame, so a carrier can drop that connection only.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  const refused = refusedContent(bytes); // before msgpackr builds anything from them
  if (refused !== undefined) {
    throw new TesseraError(ErrorCode.INVALID_ARGUMENT, `malformed frame: ${refused}`);
  }
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch {
    throw new TesseraError(ErrorCode.INVALID_ARGUMENT, 'malformed frame: not msgpack');
  }
  const frame = fromWire(value);
  if (typeof frame === 'string') {
    throw new TesseraError(ErrorCode.INVALID_ARGUMENT, `malformed frame: ${frame}`);
  }
  return frame;
}

function unencodable(reason: string): TesseraError {
  return new TesseraError(ErrorCode.INVALID_ARGUMENT, `frame could not be encoded: ${reason}`, {
    reason,
  });
}

/** What kind of value msgpackr choked on, without quoting the value. */
function encodeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (err instanceof TypeError && message === A_FUNCTION) return A_FUNCTION;
  if (err instanceof RangeError) {
    if (message.includes('call stack')) return 'a circular or too deeply nested value';
    if (message.includes('too large to fit')) return 'a bigint beyond 64 bits';
  }
  if (message.startsWith('Unknown type: ')) return `a ${message.slice('Unknown type: '.length)}`;
  return 'a value msgpack cannot carry';
}

/** Deeper than this is treated as a cycle (msgpackr would overflow its stack on one). */
const MAX_CHECK_DEPTH = 1000;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Throw what {@link encodeFrame} would throw for a frame msgpack cannot carry,
 * without encoding it: a walk over the values only (a function, a symbol, a
 * bigint beyond 64 bits, a cycle, a throwing getter). The in-process carrier
 * hands frames over by reference and uses this, so a value that could not
 * cross a socket fails in-process too, at a fraction of an encode's cost.
 */
export function assertEncodable(frame: Frame): void {
  let reason: string | undefined;
  try {
    switch (frame.t) {
      case 'call':
        reason = unencodableIn(frame.args, 0);
        break;
      case 'result':
        reason = unencodableIn(frame.value, 0);
        break;
      case 'event':
        reason = unencodableIn(frame.payload, 0);
        break;
      case 'error':
        reason = unencodableIn(frame.error.data, 0);
        break;
      default:
        return;
    }
  } catch {
    reason = 'a value msgpack cannot carry'; // a throwing getter, a revoked proxy...
  }
  if (reason !== undefined) throw unencodable(reason);
}

/** Why a primitive (anything but a non-null object) cannot be encoded, or `undefined`. */
function primitiveReason(v: unknown): string | undefined {
  switch (typeof v) {
    case 'function':
      return A_FUNCTION;
    case 'symbol':
      return 'a symbol';
    case 'bigint':
      return v < INT64_MIN || v > UINT64_MAX ? 'a bigint beyond 64 bits' : undefined;
    default:
      return undefined; // string, number, boolean, undefined
  }
}

/**
 * The walk behind {@link assertEncodable}; it runs twice per in-process
 * call, so it stays cheap: primitives are judged inline (no call per array
 * item or property), plain objects and arrays are walked without the
 * prototype checks other objects need, and one `try` (in the caller) covers
 * a throwing getter anywhere.
 */
function unencodableIn(v: unknown, depth: number): string | undefined {
  if (typeof v !== 'object') return primitiveReason(v);
  if (v === null) return undefined;
  if (depth >= MAX_CHECK_DEPTH) return 'a circular or too deeply nested value';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      const r =
        typeof item === 'object'
          ? item === null
            ? undefined
            : unencodableIn(item, depth + 1)
          : primitiveReason(item);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date) return undefined;
    // Other objects (class instances, Maps): their own enumerable properties, like msgpackr.
    for (const key in v as Record<string, unknown>) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      const r = unencodableIn((v as Record<string, unknown>)[key], depth + 1);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  // A plain object: for...in sees only its own properties (Object.prototype has no enumerable ones).
  for (const key in v as Record<string, unknown>) {
    const item = (v as Record<string, unknown>)[key];
    const r =
      typeof item === 'object'
        ? item === null
          ? undefined
          : unencodableIn(item, depth + 1)
        : primitiveReason(item);
    if (r !== undefined) return r;
  }
  return undefined;
}
