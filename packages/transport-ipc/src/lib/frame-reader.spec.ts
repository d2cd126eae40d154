import { ErrorCode } from '@tessera/protocol';
import { FrameReader } from './frame-reader';

function framed(...payloads: Buffer[]): Buffer {
  return Buffer.concat(
    payloads.flatMap((p) => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(p.length, 0);
      return [head, p];
    }),
  );
}

function collect(reader: FrameReader, chunks: Buffer[]): string[] {
  const out: string[] = [];
  for (const c of chunks) reader.push(c, (p) => (out.push(p.toString()), true));
  return out;
}

describe('FrameReader', () => {
  it('reassembles a frame delivered one byte at a time, prefix included', () => {
    const bytes = framed(Buffer.from('hello, partial world'));
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const reader = new FrameReader(1024);
    expect(collect(reader, chunks)).toEqual(['hello, partial world']);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('splits many frames arriving in one chunk, in order', () => {
    const payloads = Array.from({ length: 500 }, (_, i) => Buffer.from(`frame-${i}`));
    expect(collect(new FrameReader(1024), [framed(...payloads)])).toEqual(payloads.map(String));
  });

  it('handles frames straddling chunk borders at every offset', () => {
    const bytes = framed(
      Buffer.from('a'),
      Buffer.from('bb'.repeat(50)),
      Buffer.alloc(0),
      Buffer.from('ccc'),
    );
    for (let cut = 1; cut < bytes.length; cut++) {
      const got = collect(new FrameReader(1024), [bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(got).toEqual(['a', 'bb'.repeat(50), '', 'ccc']);
    }
  });

  it('hands out a view, not a copy, for a payload inside one chunk', () => {
    const bytes = framed(Buffer.from('view'));
    let payload: Buffer | undefined;
    new FrameReader(64).push(bytes, (p) => ((payload = p), true));
    expect(payload?.buffer).toBe(bytes.buffer);
  });

  it('throws RESOURCE_EXHAUSTED for a length prefix over the limit, before the payload arrives', () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1025, 0);
    expect(() => new FrameReader(1024).push(head, () => true)).toThrow(
      expect.objectContaining({
        code: ErrorCode.RESOURCE_EXHAUSTED,
        message: expect.stringContaining('1025 exceeds maxFrameBytes 1024'),
      }),
    );
  });

  it('holds the frame in progress to a limit lowered after its prefix was read', () => {
    const reader = new FrameReader(1024);
    const bytes = framed(Buffer.alloc(600, 1), Buffer.alloc(100, 2));
    expect(collect(reader, [bytes.subarray(0, 10)])).toEqual([]); // prefix of 600 read
    reader.maxFrameBytes = 512;
    expect(() => reader.push(bytes.subarray(10, 20), () => true)).toThrow(
      expect.objectContaining({
        code: ErrorCode.RESOURCE_EXHAUSTED,
        message: expect.stringContaining('600 exceeds maxFrameBytes 512'),
      }),
    );
  });

  it('applies a limit changed by a payload handler to the next frame of the same chunk', () => {
    const reader = new FrameReader(16);
    const sizes: number[] = [];
    reader.push(framed(Buffer.alloc(8), Buffer.alloc(100)), (p) => {
      sizes.push(p.length);
      reader.maxFrameBytes = 1024; // e.g. the handshake ended on this frame
      return true;
    });
    expect(sizes).toEqual([8, 100]);
  });

  it('stops handing out payloads when told to', () => {
    const got: string[] = [];
    new FrameReader(64).push(
      framed(Buffer.from('1'), Buffer.from('2')),
      (p) => (got.push(String(p)), false),
    );
    expect(got).toEqual(['1']);
  });
});
