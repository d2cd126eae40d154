import { ErrorCode, TesseraError } from '@tessera/protocol';

/** Bytes of the big-endian length prefix in front of every frame. */
export const LENGTH_PREFIX_BYTES = 4;

/**
 * Cuts a byte stream into length-prefixed payloads. Chunks are kept in a
 * list and each byte is copied at most once (only a payload that spans
 * chunks is copied); a payload inside one chunk is handed out as a view.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  /** Bytes already consumed from `chunks[0]`. */
  private offset = 0;
  /** Unconsumed bytes across `chunks`. */
  private available = 0;
  /** Payload length of the frame in progress; -1 while its prefix is incomplete. */
  private need = -1;

  /**
   * Largest payload accepted. May be changed between pushes (the channel
   * handshake lowers it until the peer is proven); a frame whose prefix was
   * read under a higher limit and is over the new one fails on the next push.
   */
  constructor(public maxFrameBytes: number) {}

  /** Bytes received but not yet handed out. */
  get bufferedBytes(): number {
    return this.available;
  }

  /**
   * Feed one chunk. `onPayload` gets each complete payload in order and
   * returns false to stop reading (the connection is going away). Throws
   * `RESOURCE_EXHAUSTED` for a length prefix above `maxFrameBytes`.
   */
  push(chunk: Buffer, onPayload: (payload: Buffer) => boolean): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.available < LENGTH_PREFIX_BYTES) return;
        this.need = this.readPrefix();
      }
      // Checked before a single payload byte is waited for, and again on
      // every push in case the limit was lowered since the prefix was read.
      if (this.need > this.maxFrameBytes) {
        throw new TesseraError(
          ErrorCode.RESOURCE_EXHAUSTED,
          `frame length prefix ${this.need} exceeds maxFrameBytes ${this.maxFrameBytes}`,
          { length: this.need, maxFrameBytes: this.maxFrameBytes },
        );
      }
      if (this.available < this.need) return;
      const payload = this.take(this.need);
      this.need = -1;
      if (!onPayload(payload)) return;
    }
  }

  private readPrefix(): number {
    const head = this.chunks[0] as Buffer;
    if (head.length - this.offset >= LENGTH_PREFIX_BYTES) {
      const length = head.readUInt32BE(this.offset);
      this.advance(LENGTH_PREFIX_BYTES);
      return length;
    }
    return this.take(LENGTH_PREFIX_BYTES).readUInt32BE(0);
  }

  /** Remove `n` bytes from the front: a view when they sit in one chunk, else one copy. */
  private take(n: number): Buffer {
    const head = this.chunks[0];
    if (n === 0 || head === undefined) return Buffer.alloc(0);
    if (head.length - this.offset >= n) {
      const view = head.subarray(this.offset, this.offset + n);
      this.advance(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0] as Buffer;
      const count = Math.min(n - filled, chunk.length - this.offset);
      chunk.copy(out, filled, this.offset, this.offset + count);
      filled += count;
      this.advance(count);
    }
    return out;
  }

  private advance(n: number): void {
    this.offset += n;
    this.available -= n;
    const head = this.chunks[0];
    if (head !== undefined && this.offset === head.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
