/**
 * The msgpack Tessera frames are made of: nil, booleans, integers, floats,
 * strings, binary, arrays, maps, and two extensions: type 0 as a one-byte
 * fixext (msgpackr's `undefined`) and type -1 (the standard timestamp, a
 * `Date`, which values may carry).
 *
 * msgpackr decodes far more: Error, RegExp, Set, typed arrays, structured
 * clone references, records (which compile a reader with `new Function`),
 * bundled strings, big integers, and any extension other code in this process
 * registered. Its extension table is one module-level array shared by every
 * Unpackr, with no per-instance switch, so instead of editing it under other
 * users we check the bytes first: anything outside the subset is refused
 * before msgpackr builds a single object from it.
 */

/** Extension types Tessera itself writes. */
const EXT_UNDEFINED = 0x00;
const EXT_TIMESTAMP = 0xff; // -1
/** Timestamp body sizes msgpackr writes: 1 (an invalid Date), 4, 8 and 12 bytes. */
const TIMESTAMP_SIZES: ReadonlySet<number> = new Set([1, 4, 8, 12]);

/** The reason for input that ends before its last value does. */
export const NOT_MSGPACK = 'not msgpack';

/**
 * Walk one msgpack value without building it. Returns why it falls outside
 * the subset (or {@link NOT_MSGPACK} when it ends early), or `undefined` when
 * every byte of it is accepted. Iterative, so nesting depth costs nothing;
 * bytes after the value are left to the decoder.
 */
export function refusedContent(bytes: Uint8Array): string | undefined {
  // Plain indexing, no DataView: this runs on every frame in and out.
  const b = bytes;
  const end = b.length;
  let pos = 0;
  let pending = 1; // values still to walk; each needs at least one byte
  while (pending > 0) {
    if (pos >= end) return NOT_MSGPACK;
    pending--;
    const t = b[pos++] as number;
    if (t < 0x80 || t >= 0xe0) continue; // positive and negative fixint
    if (t < 0x90)
      pending += (t & 0x0f) * 2; // fixmap
    else if (t < 0xa0)
      pending += t & 0x0f; // fixarray
    else if (t < 0xc0)
      pos += t & 0x1f; // fixstr
    else {
      switch (t) {
        case 0xc0: // nil
        case 0xc2: // false
        case 0xc3: // true
          continue;
        case 0xc1: // never used by msgpack; msgpackr decodes it to a shared sentinel object
          return NOT_MSGPACK;
        case 0xc4: // bin 8
        case 0xd9: // str 8
          if (pos + 1 > end) return NOT_MSGPACK;
          pos += 1 + (b[pos] as number);
          continue;
        case 0xc5: // bin 16
        case 0xda: // str 16
          if (pos + 2 > end) return NOT_MSGPACK;
          pos += 2 + u16(b, pos);
          continue;
        case 0xc6: // bin 32
        case 0xdb: // str 32
          if (pos + 4 > end) return NOT_MSGPACK;
          pos += 4 + u32(b, pos);
          continue;
        case 0xc7: // ext 8
        case 0xc8: // ext 16
        case 0xc9: {
          // ext 32
          const lengthBytes = 1 << (t - 0xc7);
          if (pos + lengthBytes + 1 > end) return NOT_MSGPACK;
          const length = t === 0xc7 ? (b[pos] as number) : t === 0xc8 ? u16(b, pos) : u32(b, pos);
          pos += lengthBytes;
          const refused = refusedExtension(b[pos] as number, length, false);
          if (refused) return refused;
          pos += 1 + length;
          continue;
        }
        case 0xd4: // fixext 1, 2, 4, 8, 16
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
          if (pos + 1 > end) return NOT_MSGPACK;
          const length = 1 << (t - 0xd4);
          const refused = refusedExtension(b[pos] as number, length, t === 0xd4);
          if (refused) return refused;
          pos += 1 + length;
          continue;
        }
        case 0xca: // float 32
          pos += 4;
          continue;
        case 0xcb: // float 64
          pos += 8;
          continue;
        case 0xcc: // uint 8, 16, 32, 64
        case 0xcd:
        case 0xce:
        case 0xcf:
          pos += 1 << (t - 0xcc);
          continue;
        case 0xd0: // int 8, 16, 32, 64
        case 0xd1:
        case 0xd2:
        case 0xd3:
          pos += 1 << (t - 0xd0);
          continue;
        case 0xdc: // array 16
          if (pos + 2 > end) return NOT_MSGPACK;
          pending += u16(b, pos);
          pos += 2;
          break;
        case 0xdd: // array 32
          if (pos + 4 > end) return NOT_MSGPACK;
          pending += u32(b, pos);
          pos += 4;
          break;
        case 0xde: // map 16
          if (pos + 2 > end) return NOT_MSGPACK;
          pending += u16(b, pos) * 2;
          pos += 2;
          break;
        case 0xdf: // map 32
          if (pos + 4 > end) return NOT_MSGPACK;
          pending += u32(b, pos) * 2;
          pos += 4;
          break;
      }
    }
    // Strings and containers: more values promised than bytes left cannot be msgpack.
    if (pending > end - pos) return NOT_MSGPACK;
  }
  return pos > end ? NOT_MSGPACK : undefined;
}

/** Big-endian reads; the caller checked that the bytes are there. */
const u16 = (b: Uint8Array, at: number): number => ((b[at] as number) << 8) | (b[at + 1] as number);
const u32 = (b: Uint8Array, at: number): number =>
  (b[at] as number) * 0x1000000 +
  (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));

function refusedExtension(type: number, length: number, fixext1: boolean): string | undefined {
  if (type === EXT_UNDEFINED && fixext1) return undefined;
  if (type === EXT_TIMESTAMP && TIMESTAMP_SIZES.has(length)) return undefined;
  const signed = type > 0x7f ? type - 0x100 : type;
  return `msgpack extension type ${signed} is not accepted`;
}
