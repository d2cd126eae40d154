import { TesseraError } from '@tessera/protocol';

/**
 * Carrier messages: one ZeroMQ part, first byte a tag. The RPC layer's
 * frames travel untouched inside DATA; the rest is the carrier's own
 * handshake and liveness, never visible to a {@link ConnectionHandler}.
 * Client → server messages after WELCOME carry the 16-byte session right
 * after the tag (see `server-peers.ts` for why).
 */
export const Tag = {
  /** Length-prefixed batch of encoded frames. */
  DATA: 1,
  HELLO: 2,
  CHALLENGE: 3,
  PROOF: 4,
  WELCOME: 5,
  REJECT: 6,
  PING: 7,
  PONG: 8,
  /** Orderly goodbye; the other side answers BYE too. */
  BYE: 9,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

export const SESSION_BYTES = 16;

/**
 * The carrier's version, in HELLO. 2: call frames may name token slots
 * (`CallFrame.tokenSlot`), which version 1 peers cannot read, so the two
 * refuse each other at HELLO instead of at the first call.
 */
export const CARRIER_VERSION = 2;

/** A tag plus a small JSON body: used for the handshake only. */
export function controlMessage(tag: Tag, body?: Record<string, unknown>, prefix?: Buffer): Buffer {
  const json = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const head = Buffer.from([tag]);
  return prefix ? Buffer.concat([head, prefix, json]) : Buffer.concat([head, json]);
}

/** Parse the JSON body of a handshake message; `undefined` when malformed. */
export function controlBody(message: Buffer, offset: number): Record<string, unknown> | undefined {
  if (message.length - offset > 4096) return undefined;
  try {
    const value: unknown = JSON.parse(message.subarray(offset).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Build one DATA message from encoded frames: `[tag][prefix][u32 len][frame]...`. */
export function encodeBatch(prefix: Buffer, frames: readonly Buffer[], frameBytes: number): Buffer {
  const out = Buffer.allocUnsafe(1 + prefix.length + frames.length * 4 + frameBytes);
  out[0] = Tag.DATA;
  let at = 1 + prefix.copy(out, 1);
  for (const f of frames) {
    out.writeUInt32BE(f.length, at);
    at += 4 + f.copy(out, at + 4);
  }
  return out;
}

/** Split a DATA message into frame byte ranges; throws INVALID_ARGUMENT when malformed. */
export function splitBatch(message: Buffer, offset: number, maxFrameBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  let at = offset;
  while (at < message.length) {
    if (message.length - at < 4)
      throw TesseraError.invalidArgument('malformed batch: truncated length');
    const len = message.readUInt32BE(at);
    at += 4;
    if (len > maxFrameBytes)
      throw TesseraError.invalidArgument(
        `frame of ${len} bytes exceeds the ${maxFrameBytes} byte limit`,
      );
    if (len > message.length - at)
      throw TesseraError.invalidArgument('malformed batch: truncated frame');
    frames.push(message.subarray(at, at + len));
    at += len;
  }
  if (frames.length === 0) throw TesseraError.invalidArgument('malformed batch: no frames');
  return frames;
}
