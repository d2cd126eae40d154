import { ErrorCode, TesseraError, decodeFrame, encodeFrame, type Frame } from '@tessera/protocol';
import {
  type Connection,
  type ConnectionHandler,
  FrameInbox,
  type PeerIdentity,
} from '@tessera/transport';
import { Tag, controlMessage, encodeBatch, splitBatch } from '../wire/carrier-message';
import { sendError } from '../wire/send-error';
import type { PeerLink } from './peer-link';
import type { ZeroMqStats } from './zeromq-stats';

let nextId = 0;

export interface ConnectionLimits {
  maxFrameBytes: number;
  maxQueuedFrames: number;
}

/**
 * One peer over ZeroMQ. Frames sent in the same tick leave as ONE DATA
 * message (flushed on `setImmediate`), which amortizes the per-message cost
 * of the binding; the receiver splits them and delivers in order.
 */
export class ZeroMqConnection implements Connection {
  readonly id = `zeromq-${++nextId}`;
  /** Frames are encoded, in order, and a lost batch fails the connection: repeated tokens travel as slot numbers. */
  readonly tokenSlots = true;
  private readonly inbox = new FrameInbox();
  private outbox: Buffer[] = [];
  private outboxBytes = 0;
  private flushScheduled = false;
  private isClosed = false;
  private closeError: TesseraError | undefined;
  private lastSeen = Date.now();
  private lastPing = 0;
  private readonly batchBytes: number;
  /** Set by {@link limitInbound}: the largest frame accepted until it is lifted. */
  private inboundLimit: number | undefined;
  private readonly flush = (): void => this.flushOutbox();

  constructor(
    private readonly link: PeerLink,
    readonly peer: PeerIdentity,
    private readonly limits: ConnectionLimits,
    private readonly stats: ZeroMqStats,
  ) {
    this.batchBytes = Math.min(limits.maxFrameBytes, 256 * 1024);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(frame: Frame): void {
    if (this.isClosed) throw this.closeError ?? TesseraError.unavailable('connection closed');
    if (this.outbox.length >= this.limits.maxQueuedFrames) {
      throw new TesseraError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `send queue full (${this.limits.maxQueuedFrames} frames)`,
      );
    }
    const bytes = encodeFrame(frame);
    if (bytes.length > this.limits.maxFrameBytes) {
      throw new TesseraError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `frame of ${bytes.length} bytes exceeds the ${this.limits.maxFrameBytes} byte limit`,
      );
    }
    if (this.outboxBytes + bytes.length > this.batchBytes && this.outbox.length > 0)
      this.flushOutbox();
    this.outbox.push(bytes);
    this.outboxBytes += bytes.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flush);
    }
  }

  attach(handler: ConnectionHandler): void {
    this.inbox.attach(handler);
  }

  /**
   * Flush, close locally at once (pending calls reject in this tick), and
   * say goodbye in the background; the transport's `close` reaps it.
   */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.flushOutbox();
    this.terminate(undefined);
    void this.link.end();
  }

  /**
   * Accept no frame over `maxFrameBytes` (capped at the transport's limit)
   * until called again with `undefined`. libzmq has received the message by
   * then (bounded by the socket's `maxMessageSize`), but a frame over the
   * limit is refused before it is decoded, and drops this peer.
   */
  limitInbound(maxFrameBytes: number | undefined): void {
    this.inboundLimit =
      maxFrameBytes === undefined ? undefined : Math.min(maxFrameBytes, this.limits.maxFrameBytes);
  }

  /** A DATA message from the peer. Throws INVALID_ARGUMENT on malformed input; nothing of it is delivered then. */
  receive(message: Buffer, offset: number): void {
    this.touch();
    if (this.isClosed) return;
    if (this.inboundLimit !== undefined) return this.receiveLimited(message, offset);
    const frames = splitBatch(message, offset, this.limits.maxFrameBytes).map((bytes) =>
      decodeFrame(bytes),
    );
    this.stats.batchesReceived++;
    this.stats.framesReceived += frames.length;
    for (const frame of frames) this.inbox.deliver(frame);
  }

  /**
   * {@link receive} while limited: frames are split, checked, decoded and
   * delivered one at a time, so the limit a frame is held to is the one in
   * force when it is reached (a handshake that ends on one frame lifts it
   * for the next), and nothing past a bad frame or a close is looked at.
   * Frames before a bad one in the same message are delivered; the throw
   * then drops the peer.
   */
  private receiveLimited(message: Buffer, offset: number): void {
    if (message.length <= offset) throw TesseraError.invalidArgument('malformed batch: no frames');
    let at = offset;
    while (at < message.length && !this.isClosed) {
      const limit = this.inboundLimit ?? this.limits.maxFrameBytes;
      if (message.length - at < 4)
        throw TesseraError.invalidArgument('malformed batch: truncated length');
      const len = message.readUInt32BE(at);
      at += 4;
      if (len > limit)
        throw new TesseraError(
          ErrorCode.RESOURCE_EXHAUSTED,
          `frame of ${len} bytes exceeds the ${limit} byte limit`,
        );
      if (len > message.length - at)
        throw TesseraError.invalidArgument('malformed batch: truncated frame');
      const frame = decodeFrame(message.subarray(at, at + len));
      at += len;
      this.stats.framesReceived++;
      this.inbox.deliver(frame);
    }
    this.stats.batchesReceived++;
  }

  /** Any traffic from the peer proves it alive. */
  touch(): void {
    this.lastSeen = Date.now();
  }

  /** Liveness: ping an idle peer, declare one silent for `misses` intervals dead. */
  tick(now: number, intervalMs: number, misses = 3): void {
    if (this.isClosed) return;
    const idle = now - this.lastSeen;
    if (idle > misses * intervalMs) {
      this.fail(TesseraError.unavailable(`peer silent for ${idle} ms`));
    } else if (idle >= intervalMs && now - this.lastPing >= intervalMs) {
      this.ping();
    }
  }

  /** Send a carrier ping now; a mandatory Router fails it at once if the peer is gone. */
  ping(): void {
    if (this.isClosed) return;
    this.lastPing = Date.now();
    this.post(controlMessage(Tag.PING, undefined, this.link.prefix));
  }

  /** The peer said BYE: deliver what arrived, then close cleanly. */
  remoteClosed(): void {
    this.terminate(undefined);
    this.link.release();
  }

  /** Close abnormally: the peer is gone, misbehaved, or a send was lost. */
  fail(error: TesseraError): void {
    if (this.isClosed) return;
    this.terminate(error);
    this.link.release();
  }

  private post(message: Buffer): void {
    try {
      this.link.post(message, (err) => this.fail(sendError(err)));
    } catch (err) {
      this.fail(sendError(err));
    }
  }

  private flushOutbox(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.isClosed) return;
    const message = encodeBatch(this.link.prefix, this.outbox, this.outboxBytes);
    this.stats.framesSent += this.outbox.length;
    this.stats.batchesSent++;
    this.outbox = [];
    this.outboxBytes = 0;
    this.post(message);
  }

  private terminate(error: TesseraError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    this.outbox = [];
    this.outboxBytes = 0;
    this.inbox.close(error);
  }
}
