import { ErrorCode } from '../errors/error-codes';
import type { Frame } from '../frames/frame';
import { decodeFrame, encodeFrame } from './codec';
import { Packr } from 'msgpackr';

const raw = new Packr({ useRecords: false });

describe('frame codec', () => {
  it('round-trips every frame kind, including undefined and binary values', () => {
    const frames: Frame[] = [
      { t: 'call', id: 1, token: 'a.b', method: 'm', args: [undefined, 1, new Uint8Array([1, 2])] },
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

  it('rejects malformed input with INVALID_ARGUMENT and a reason', () => {
    const bad: [unknown, RegExp][] = [
      [{ t: 'call', id: 1 }, /kind-tagged array/],
      [[0, -1, 't', 'm', []], /numeric id/],
      [[0, 1, 2, 'm', []], /string token/],
      [[0, 1, 't', 'm', 'notarray'], /args array/],
      [[0, 1, 't', 'm'], /5 fields/],
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
