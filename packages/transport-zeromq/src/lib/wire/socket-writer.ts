import { ErrorCode, TesseraError } from '@tessera/protocol';
import type { Writable } from 'zeromq';

/** One message waiting for the socket, with whom to tell if it fails. */
export interface Outgoing {
  parts: Buffer | Buffer[];
  onError?: (err: unknown) => void;
}

/**
 * The single writer of one socket. zeromq.js allows one pending `send` per
 * socket, so every message goes through this bounded FIFO and one async
 * loop; a full queue throws RESOURCE_EXHAUSTED at once instead of growing.
 * A send that fails (EHOSTUNREACH from a mandatory Router, EAGAIN after
 * `sendTimeout`) is reported to that message's owner; the loop goes on.
 */
export class SocketWriter {
  private queue: (Outgoing | undefined)[] = [];
  private head = 0;
  private running = false;
  private idle: (() => void)[] = [];
  private stopped = false;
  /** ZeroMQ messages handed to the socket (for tests and benchmarks). */
  messagesSent = 0;

  constructor(
    private readonly socket: Writable,
    private readonly limit: number,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  push(message: Outgoing): void {
    if (this.stopped) throw TesseraError.unavailable('socket closed');
    if (this.queued >= this.limit) {
      throw new TesseraError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `send queue full (${this.limit} messages)`,
      );
    }
    this.queue.push(message);
    if (!this.running) void this.run();
  }

  /** Resolves once everything queued so far was handed to ZeroMQ, or after `ms`. */
  drain(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Refuse further messages; queued ones fail with UNAVAILABLE. */
  stop(): void {
    this.stopped = true;
    const dropped = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const m of dropped) m?.onError?.(TesseraError.unavailable('socket closed'));
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.head < this.queue.length) {
      const message = this.queue[this.head] as Outgoing;
      this.queue[this.head++] = undefined;
      try {
        await this.socket.send(message.parts);
        this.messagesSent++;
      } catch (err) {
        message.onError?.(err);
      }
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
    this.queue = [];
    this.head = 0;
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
