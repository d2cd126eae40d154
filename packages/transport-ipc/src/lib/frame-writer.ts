import type { Socket } from 'node:net';
import { LENGTH_PREFIX_BYTES } from './frame-reader';

/** Payloads at least this big go out as their own buffer instead of being copied. */
const COPY_LIMIT = 64 * 1024;

/**
 * Coalesces the frames sent during one tick into as few `socket.write`s as
 * possible: small frames are copied, prefix and all, into one buffer;
 * big payloads are written as they are, after a 4-byte prefix, inside one
 * cork so the kernel still sees a single writev.
 */
export class FrameWriter {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private readonly flushSoon = (): void => this.flush();

  constructor(private readonly socket: Socket) {}

  /** Bytes accepted but not yet handed to the kernel (ours plus the socket's buffer). */
  get pendingBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /** Queue one payload; it is written after the current tick's other sends. */
  push(payload: Buffer): void {
    this.queue.push(payload);
    this.queuedBytes += LENGTH_PREFIX_BYTES + payload.length;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushSoon);
    }
  }

  /** Write everything queued now. A zero-length payload is the goodbye marker. */
  flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    const total = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    if (queue.length === 0 || this.socket.destroyed || !this.socket.writable) return;
    if (total < COPY_LIMIT) {
      this.socket.write(coalesce(queue, 0, queue.length, total));
      return;
    }
    this.socket.cork();
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < queue.length; i++) {
      const payload = queue[i] as Buffer;
      if (payload.length < COPY_LIMIT) {
        bytes += LENGTH_PREFIX_BYTES + payload.length;
        continue;
      }
      if (i > start) this.socket.write(coalesce(queue, start, i, bytes));
      this.socket.write(prefix(payload.length));
      this.socket.write(payload);
      start = i + 1;
      bytes = 0;
    }
    if (start < queue.length) this.socket.write(coalesce(queue, start, queue.length, bytes));
    this.socket.uncork();
  }
}

function prefix(length: number): Buffer {
  const head = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES);
  head.writeUInt32BE(length, 0);
  return head;
}

/** One buffer holding prefix + payload for `queue[from..to)`, `bytes` long. */
function coalesce(queue: Buffer[], from: number, to: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = from; i < to; i++) {
    const payload = queue[i] as Buffer;
    out.writeUInt32BE(payload.length, at);
    payload.copy(out, at + LENGTH_PREFIX_BYTES);
    at += LENGTH_PREFIX_BYTES + payload.length;
  }
  return out;
}
