import { ErrorCode } from '../errors/error-codes';
import type { Frame } from '../frames/frame';
import { assertEncodable, decodeFrame, encodeFrame } from './codec';
import { Packr, addExtension } from 'msgpackr';

const raw = new Packr({ useRecords: false });
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('frame codec', () => {
  it('round-trips every frame kind, including undefined and binary values', () => {
    const frames: Frame[] = [
      { t: 'call', id: 1, token: 'a.b', method: 'm', args: [undefined, 1, new Uint8Array([1, 2])] },
      { t: 'call', id: 7, token: '', method: 'm', args: [], trace: TRACEPARENT },
      { t: 'call', id: 8, token: '', method: 'm', args: [], trace: TRACEPARENT, traceState: 'k=v' },
      // Token slots: a binding carries the token, a use carries the slot alone.
      { t: 'call', id: 9, token: 'a.b', method: 'm', args: [], tokenSlot: 0, bindsSlot: true },
      {
        t: 'call',
        id: 10,
        token: 'x'.repeat(256),
        method: 'm',
        args: [],
        tokenSlot: 255,
        bindsSlot: true,
        trace: TRACEPARENT,
        traceState: 'k=v',
      },
      { t: 'call', id: 11, token: '', method: 'm', args: [1], tokenSlot: 3 },
      { t: 'call', id: 12, token: '', method: 'm', args: [], tokenSlot: 3, trace: TRACEPARENT },
      { t: 'result', id: 2, value: undefined },
      { t: 'result', id: 3, value: { nested: [null, 'x'] } },
      { t: 'error', id: 4, error: { code: ErrorCode.NOT_FOUND, message: 'gone' } },
      {
        t: 'error',
        id: 5,
        error: { code: ErrorCode.INVALID_ARGUMENT, message: 'bad', data: { field: 'x' } },
      },
      { t: 'event', source: 'notes', name: 'added', payload: { id: 1 } },
      { t: 'cancel', id: 6 },
      { t: 'control', op: 'ping' },
      { t: 'control', op: 'ping', data: { v: 1 } },
    ];
    for (const f of frames) expect(decodeFrame(encodeFrame(f))).toEqual(f);
  });

  it('sends a slot use as the slot number alone: the token never rides on it', () => {
    const token = 'secret-token-'.padEnd(45, 'x');
    const use = encodeFrame({ t: 'call', id: 1, token, method: 'm', args: [], tokenSlot: 4 });
    expect(raw.unpack(use)).toEqual([0, 1, 4, 'm', []]);
    expect(use.includes(Buffer.from('secret-token'))).toBe(false);
    const bind = encodeFrame({
      t: 'call',
      id: 2,
      token,
      method: 'm',
      args: [],
      tokenSlot: 4,
      bindsSlot: true,
    });
    expect(raw.unpack(bind)).toEqual([0, 2, [4, token], 'm', []]);
    // What a slot use decodes to: no token until the RPC layer looks the slot up.
    expect(decodeFrame(use)).toEqual({
      t: 'call',
      id: 1,
      token: '',
      method: 'm',
      args: [],
      tokenSlot: 4,
    });
  });

  it('rejects malformed input with INVALID_ARGUMENT and a reason', () => {
    const bad: [unknown, RegExp][] = [
      [{ t: 'call', id: 1 }, /kind-tagged array/],
      [[0, -1, 't', 'm', []], /numeric id/],
      [[0, 1, 256, 'm', []], /string token, a token slot/], // slots are 0..255
      [[0, 1, -1, 'm', []], /string token, a token slot/],
      [[0, 1, 1.5, 'm', []], /string token, a token slot/],
      [[0, 1, null, 'm', []], /string token, a token slot/],
      [[0, 1, [1], 'm', []], /string token, a token slot/],
      [[0, 1, [1, 't', 2], 'm', []], /string token, a token slot/],
      [[0, 1, [256, 't'], 'm', []], /string token, a token slot/],
      [[0, 1, ['1', 't'], 'm', []], /string token, a token slot/],
      [[0, 1, [1, ''], 'm', []], /string token, a token slot/], // binding nothing
      [[0, 1, [1, 'x'.repeat(257)], 'm', []], /string token, a token slot/], // a 257-char token is not bound
      [[0, 1, [1, 7], 'm', []], /string token, a token slot/],
      [[0, 1, 't', 'm', 'notarray'], /args array/],
      [[0, 1, 't', 'm'], /5 to 7 fields/],
      [[0, 1, 't', 'm', [], 7], /traceparent string/],
      [[0, 1, 't', 'm', [], 'x'.repeat(129)], /traceparent string/],
      [[0, 1, 't', 'm', [], TRACEPARENT, 'x'.repeat(513)], /tracestate must be a string/],
      [[0, 1, 't', 'm', [], TRACEPARENT, 'k=v', 'extra'], /5 to 7 fields/],
      [[9, 1], /unknown frame kind/],
      [[5, 'reboot'], /known op/],
      [[5, 'ping', [1]], /data must be an object/],
    ];
    for (const [value, reason] of bad) {
      expect(() => decodeFrame(raw.pack(value))).toThrow(
        expect.objectContaining({
          code: ErrorCode.INVALID_ARGUMENT,
          message: expect.stringMatching(reason),
        }),
      );
    }
    expect(() => decodeFrame(Buffer.from([0x92, 0x01]))).toThrow(/not msgpack/); // an array of 2 cut short
  });
});

describe('frame codec: only the msgpack Tessera writes', () => {
  const result = (value: unknown): unknown[] => [1, 7, value]; // a result frame's positional form
  const malformed = (reason: RegExp | string) =>
    expect.objectContaining({
      code: ErrorCode.INVALID_ARGUMENT,
      message: expect.stringMatching(reason),
    });

  it('refuses every extension msgpackr would turn into an object, wherever it sits', () => {
    const more = new Packr({ useRecords: false, moreTypes: true });
    const cases: [string, Uint8Array][] = [
      ['Set (s)', more.pack(result(new Set([1])))],
      ['Error (e)', more.pack(result(new Error('x')))],
      ['RegExp (x)', more.pack(result(/a+$/))],
      // what moreTypes writes for new Int16Array([1, 2]) (jest's realm hides the class from msgpackr)
      ['Int16Array (t)', Buffer.from('930107c705740301000200', 'hex')],
      ['ArrayBuffer (t)', more.pack(result(new ArrayBuffer(4)))],
      ['big integer (B)', more.pack(result(2n ** 70n))],
      ['call argument', more.pack([0, 1, 'tok', 'm', [new Set([1])]])],
      [
        'map key',
        Buffer.concat([Buffer.from([0x93, 0x01, 0x07, 0x81]), more.pack(/k/), Buffer.from([0x01])]),
      ],
      ['record (r)', new Packr({ useRecords: true }).pack(result({ a: 1, b: 2 }))],
      ['structured clone (i, p)', new Packr({ structuredClone: true }).pack(result(cyclic()))],
      [
        'bundled strings (b)',
        new Packr({ useRecords: false, bundleStrings: true }).pack(result({ a: 'x'.repeat(20) })),
      ],
      ['unknown ext 5', Buffer.from([0x93, 0x01, 0x07, 0xd5, 0x05, 0x00, 0x00])],
      ['ext 0 of 2 bytes', Buffer.from([0x93, 0x01, 0x07, 0xd5, 0x00, 0x00, 0x00])],
      ['timestamp of 2 bytes', Buffer.from([0x93, 0x01, 0x07, 0xd5, 0xff, 0x00, 0x00])],
    ];
    const outcomes = cases.map(([what, bytes]) => [what, outcome(bytes)]);
    expect(outcomes).toEqual(
      cases.map(([what]) => [
        what,
        expect.stringMatching(
          /^INVALID_ARGUMENT malformed frame: msgpack extension type -?\d+ is not accepted$/,
        ),
      ]),
    );
  });

  it('refuses the byte 0xc1 as not msgpack (msgpackr would decode it to a sentinel object)', () => {
    expect(() => decodeFrame(Buffer.from([0x93, 0x01, 0x07, 0xc1]))).toThrow(
      malformed(/^malformed frame: not msgpack$/),
    );
  });

  it('refuses before msgpackr runs, so a refused extension never executes', () => {
    // The RegExp extension builds `new RegExp(source)`: an invalid source would
    // throw inside msgpackr ("not msgpack") if the bytes ever reached it.
    const more = new Packr({ useRecords: false, moreTypes: true });
    const bytes = Buffer.from(more.pack(result(/x/)));
    bytes[bytes.lastIndexOf(0x78)] = 0x28; // source 'x' → '(': an unbalanced group
    expect(() => decodeFrame(bytes)).toThrow(malformed(/extension type 120/));
  });

  it('leaves other users of msgpackr alone: their extensions still decode for them', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    addExtension({
      Class: Point,
      type: 42,
      pack: (p: Point) => Buffer.from([p.x]),
      unpack: (b: Uint8Array) => new Point(b[0] ?? 0),
    });
    const theirs = new Packr({ useRecords: false });
    expect(theirs.unpack(theirs.pack(new Point(3)))).toEqual(new Point(3));
    expect(() => decodeFrame(theirs.pack(result(new Point(3))))).toThrow(
      malformed(/extension type 42/),
    );
    // ...and ours never writes what it would refuse to read.
    expect(() => encodeFrame({ t: 'result', id: 1, value: new Point(3) })).toThrow(
      malformed(/could not be encoded: msgpack extension type 42/),
    );
  });

  it('accepts what Tessera writes: undefined, Date, binary, 64-bit integers, nested values', () => {
    const date = new Date('2030-01-02T03:04:05.678Z');
    const values = [
      undefined,
      date,
      new Date(0),
      new Date(-1),
      new Date('2500-01-01T00:00:00Z'),
      new Uint8Array([0, 255]),
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 64n - 1n,
      { a: [{ b: { c: [null, true, 1.5, 'ü'] } }] },
    ];
    for (const value of values) {
      expect(decodeFrame(encodeFrame({ t: 'result', id: 1, value }))).toEqual({
        t: 'result',
        id: 1,
        value,
      });
    }
    const invalid = decodeFrame(encodeFrame({ t: 'result', id: 1, value: new Date(Number.NaN) }));
    expect(invalid).toMatchObject({ value: expect.any(Date) });
    expect((invalid as { value: Date }).value.getTime()).toBeNaN();
  });

  it('walks deep nesting without recursion and refuses truncated or lying lengths', () => {
    const depth = 200_000;
    const deep = Buffer.concat([
      Buffer.from([0x93, 0x01, 0x07]),
      Buffer.alloc(depth, 0x91),
      Buffer.from([0xd4, 0x65, 0x00]),
    ]);
    expect(() => decodeFrame(deep)).toThrow(malformed(/extension type 101/));
    expect(() =>
      decodeFrame(Buffer.from([0x93, 0x01, 0x07, 0xdd, 0xff, 0xff, 0xff, 0xff])),
    ).toThrow(malformed(/not msgpack/));
    expect(() => decodeFrame(Buffer.from([0x93, 0x01, 0x07, 0xc6, 0x00, 0x00, 0x10]))).toThrow(
      malformed(/not msgpack/),
    );
    expect(() => decodeFrame(Buffer.from([0x93, 0x01, 0x07, 0xd7, 0xff, 0x00]))).toThrow(
      malformed(/not msgpack/),
    );
  });

  it('refuses to encode what msgpack cannot carry, naming the kind of value only', () => {
    const cases: [unknown, string][] = [
      [() => 1, 'a function'],
      [{ handler: () => 1 }, 'a function'],
      [Symbol('s'), 'a symbol'],
      [2n ** 64n, 'a bigint beyond 64 bits'],
      [-(2n ** 63n) - 1n, 'a bigint beyond 64 bits'],
      [cyclic(), 'a circular or too deeply nested value'],
      [
        Object.defineProperty({}, 'x', {
          enumerable: true,
          get: () => {
            throw new Error('secret');
          },
        }),
        'a value msgpack cannot carry',
      ],
    ];
    for (const [value, reason] of cases) {
      let thrown: unknown;
      try {
        encodeFrame({ t: 'result', id: 1, value });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
        message: `frame could not be encoded: ${reason}`,
        data: { reason },
      });
    }
    // The encoder is still usable afterwards.
    expect(decodeFrame(encodeFrame({ t: 'result', id: 2, value: 'ok' }))).toEqual({
      t: 'result',
      id: 2,
      value: 'ok',
    });
  });
});

function cyclic(): Record<string, unknown> {
  const o: Record<string, unknown> = { name: 'loop' };
  o['self'] = o;
  return o;
}

/** `CODE message` of what decoding `bytes` throws, or 'decoded'. */
function outcome(bytes: Uint8Array): string {
  try {
    decodeFrame(bytes);
    return 'decoded';
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return `${e.code} ${e.message}`;
  }
}

describe('assertEncodable (the in-process carrier, which never encodes)', () => {
  const circular: Record<string, unknown> = {};
  circular['self'] = circular;
  const throwing = Object.defineProperty({}, 'x', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  const cases: [string, unknown][] = [
    ['a function', { f: () => 1 }],
    ['a symbol', [Symbol('s')]],
    ['a bigint beyond 64 bits', 2n ** 70n],
    ['a circular or too deeply nested value', circular],
    ['a value msgpack cannot carry', throwing],
  ];

  it('refuses exactly what encodeFrame refuses, with the same code', () => {
    for (const [, value] of cases) {
      const frame: Frame = { t: 'result', id: 1, value };
      const encoded = (() => {
        try {
          encodeFrame(frame);
          return undefined;
        } catch (err) {
          return err;
        }
      })();
      expect(encoded).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
      expect(() => assertEncodable(frame)).toThrow(
        expect.objectContaining({
          code: ErrorCode.INVALID_ARGUMENT,
          message: expect.stringMatching(/^frame could not be encoded: /),
        }),
      );
    }
    for (const [reason, value] of cases.slice(0, 3))
      expect(() =>
        assertEncodable({ t: 'call', id: 1, token: 't', method: 'm', args: [value] }),
      ).toThrow(`frame could not be encoded: ${reason}`);
  });

  it('accepts every value encodeFrame accepts', () => {
    const fine = [
      null,
      undefined,
      1.5,
      -(2n ** 63n),
      2n ** 64n - 1n,
      'x',
      new Uint8Array([1]),
      Buffer.from('b'),
      new Date(0),
      { nested: [{ a: [1, { b: null }] }] },
    ];
    for (const value of fine) {
      expect(() => encodeFrame({ t: 'result', id: 1, value })).not.toThrow();
      expect(() => assertEncodable({ t: 'result', id: 1, value })).not.toThrow();
      expect(() =>
        assertEncodable({ t: 'event', source: 's', name: 'n', payload: value }),
      ).not.toThrow();
    }
  });
});
