import { Packr } from 'msgpackr';
import { NOT_MSGPACK, refusedContent } from './msgpack-subset';

// The walk with a DataView and a RangeError catch, as it was before it was
// rewritten with plain indexing (for speed): kept here as the reference the
// fast one must agree with on every input.
const EXT_UNDEFINED = 0x00;
const EXT_TIMESTAMP = 0xff;
const TIMESTAMP_SIZES: ReadonlySet<number> = new Set([1, 4, 8, 12]);

function referenceRefused(bytes: Uint8Array): string | undefined {
  const end = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let pending = 1; // values still to walk; each needs at least one byte
  try {
    while (pending > 0) {
      if (pos >= end) return NOT_MSGPACK;
      pending--;
      const t = view.getUint8(pos++);
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
            pos += 1 + view.getUint8(pos);
            continue;
          case 0xc5: // bin 16
          case 0xda: // str 16
            pos += 2 + view.getUint16(pos);
            continue;
          case 0xc6: // bin 32
          case 0xdb: // str 32
            pos += 4 + view.getUint32(pos);
            continue;
          case 0xc7: // ext 8
          case 0xc8: // ext 16
          case 0xc9: {
            // ext 32
            const lengthBytes = 1 << (t - 0xc7);
            const length =
              t === 0xc7
                ? view.getUint8(pos)
                : t === 0xc8
                  ? view.getUint16(pos)
                  : view.getUint32(pos);
            pos += lengthBytes;
            const refused = referenceExtension(view.getUint8(pos), length, false);
            if (refused) return refused;
            pos += 1 + length;
            continue;
          }
          case 0xd4: // fixext 1, 2, 4, 8, 16
          case 0xd5:
          case 0xd6:
          case 0xd7:
          case 0xd8: {
            const length = 1 << (t - 0xd4);
            const refused = referenceExtension(view.getUint8(pos), length, t === 0xd4);
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
            pending += view.getUint16(pos);
            pos += 2;
            break;
          case 0xdd: // array 32
            pending += view.getUint32(pos);
            pos += 4;
            break;
          case 0xde: // map 16
            pending += view.getUint16(pos) * 2;
            pos += 2;
            break;
          case 0xdf: // map 32
            pending += view.getUint32(pos) * 2;
            pos += 4;
            break;
        }
      }
      // Strings and containers: more values promised than bytes left cannot be msgpack.
      if (pending > end - pos) return NOT_MSGPACK;
    }
  } catch (err) {
    if (err instanceof RangeError) return NOT_MSGPACK; // a length read past the end
    throw err;
  }
  return pos > end ? NOT_MSGPACK : undefined;
}

function referenceExtension(type: number, length: number, fixext1: boolean): string | undefined {
  if (type === EXT_UNDEFINED && fixext1) return undefined;
  if (type === EXT_TIMESTAMP && TIMESTAMP_SIZES.has(length)) return undefined;
  const signed = type > 0x7f ? type - 0x100 : type;
  return `msgpack extension type ${signed} is not accepted`;
}

describe('refusedContent agrees with the reference walk', () => {
  const packr = new Packr({ useRecords: false, moreTypes: true });
  const seeds: Uint8Array[] = [
    [0, 12345, 'tok'.padEnd(45, 'x'), 'echo', [{ text: 'hello', n: 42, list: [1, 2, 3] }]],
    [0, 1, [3, 'tok'], 'm', [undefined, null, true, false, -1, -200, 70000, 2 ** 40, 1.5]],
    [1, 7, { s: 'x'.repeat(300), b: new Uint8Array(300), d: new Date(0), big: 'y'.repeat(70000) }],
    [1, 7, new Set([1]), /a+/, new Error('e'), 2n ** 70n, new Float64Array([1, 2])],
    [1, 7, Array.from({ length: 40 }, (_, i) => ({ [`k${i}`]: i * 1000 }))],
  ].map((v) => packr.pack(v));

  it('on valid frames, every truncation, and 20,000 random mutations', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let checked = 0;
    for (const bytes of seeds) {
      expect(refusedContent(bytes)).toBe(referenceRefused(bytes));
      for (let cut = 0; cut < Math.min(bytes.length, 400); cut++) {
        const part = bytes.subarray(0, cut);
        expect(refusedContent(part)).toBe(referenceRefused(part));
        checked++;
      }
      for (let i = 0; i < 4_000; i++) {
        const m = Uint8Array.from(bytes.subarray(0, Math.min(bytes.length, 600)));
        for (let k = 1 + rand(3); k > 0; k--) m[rand(m.length)] = rand(256);
        const at = rand(m.length);
        const view = m.subarray(
          rand(2) ? 0 : at,
          rand(2) ? m.length : Math.max(at, rand(m.length)),
        );
        expect(refusedContent(view)).toBe(referenceRefused(view));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it('refuses cut-short input the fast way too', () => {
    expect(refusedContent(Uint8Array.from([0x92, 0x01]))).toBe(NOT_MSGPACK);
    expect(refusedContent(Uint8Array.from([0xdc, 0x00]))).toBe(NOT_MSGPACK);
    expect(refusedContent(Uint8Array.from([0xc7, 0x01]))).toBe(NOT_MSGPACK);
    expect(refusedContent(Uint8Array.from([0xd4]))).toBe(NOT_MSGPACK);
  });
});
