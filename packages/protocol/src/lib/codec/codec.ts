import { Packr } from 'msgpackr';
import { ErrorCode } from '../errors/error-codes';
import { TesseraError } from '../errors/tessera-error';
import type { Frame } from '../frames/frame';
import { fromWire, toWire } from './wire-layout';

/** Default largest frame a peer may send: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

// Records off: both ends stay stateless, so any frame decodes on its own.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Encode one frame as msgpack bytes. */
export function encodeFrame(frame: Frame): Buffer {
  return packr.pack(toWire(frame));
}

/**
 * Decode and validate one frame. Throws `INVALID_ARGUMENT` for bytes that
 * are not msgpack or not a frame, so a carrier can drop that connection only.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
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
