import type { Socket } from 'node:net';
import {
  ErrorCode,
  type Frame,
  type Logger,
  TesseraError,
  decodeFrame,
  encodeFrame,
} from '@tessera/protocol';
import {
  type Connection,
  type ConnectionHandler,
  FrameInbox,
  type PeerIdentity,
} from '@tessera/transport';
import { FrameReader } from './frame-reader';
import { FrameWriter } from './frame-writer';
import { errorCode } from './runtime-dir';

/** Limits and reporting shared by every connection of a transport. */
export interface IpcConnectionSettings {
  maxFrameBytes: number;
  /** `send` throws `RESOURCE_EXHAUSTED` while more than this is waiting for the kernel. */
  maxQueuedBytes: number;
  /** A graceful close that the peer does not finish within this time is forced. */
  closeTimeoutMs: number;
  logger: Logger;
}

let nextConnectionId = 0;
const EMPTY = Buffer.alloc(0);

/**
 * One Unix-socket connection carrying length-prefixed msgpack frames. A
 * zero-length frame is the goodbye marker written by {@link close}: an EOF
 * without it means the peer died or reset, which `onClose` reports as
 * `UNAVAILABLE`.
 */
export class IpcConnection implements Connection {
  readonly id = `ipc-${++nextConnectionId}`;
  /** The carrier proves nothing about the peer; the door binds the connection to its first grant. */
  readonly peer: PeerIdentity = {};
  /** Frames are encoded: repeated tokens travel as slot numbers. */
  readonly tokenSlots = true;
  private readonly reader: FrameReader;
  private readonly writer: FrameWriter;
  /** Frames received before `attach`; closed when the socket is. */
  private readonly inbox = new FrameInbox();
  private isClosed = false;
  private closeError: TesseraError | undefined;
  private goodbyeReceived = false;
  private closeRequested = false;
  private readonly ended: Promise<void>;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: Socket,
    /** The listener or target address, for messages. */
    readonly address: string,
    private readonly settings: IpcConnectionSettings,
  ) {
    this.reader = new FrameReader(settings.maxFrameBytes);
    this.writer = new FrameWriter(socket);
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.onSocketError(err));
    this.ended = new Promise((resolve) => {
      socket.once('close', () => {
        this.onSocketClosed();
        resolve();
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(frame: Frame): void {
    if (this.isClosed)
      throw TesseraError.unavailable(`ipc connection ${this.id} to ${this.address} is closed`);
    const payload = encodeFrame(frame);
    if (payload.length > this.settings.maxFrameBytes) {
      throw new TesseraError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `frame of ${payload.length} bytes exceeds maxFrameBytes ${this.settings.maxFrameBytes}; not sent`,
        { length: payload.length, maxFrameBytes: this.settings.maxFrameBytes },
      );
    }
    if (this.writer.pendingBytes > this.settings.maxQueuedBytes) {
      throw new TesseraError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `ipc connection ${this.id}: ${this.writer.pendingBytes} bytes wait for a peer that does not read; not sent`,
      );
    }
    this.writer.push(payload);
  }

  attach(handler: ConnectionHandler): void {
    this.inbox.attach(handler);
  }

  /**
   * Accept no frame over `maxFrameBytes` (capped at the transport's limit)
   * until called again with `undefined`. Checked against each length prefix,
   * so a bigger frame drops the connection before its payload is buffered.
   */
  limitInbound(maxFrameBytes: number | undefined): void {
    const max = this.settings.maxFrameBytes;
    this.reader.maxFrameBytes = maxFrameBytes === undefined ? max : Math.min(maxFrameBytes, max);
  }

  /** Flush queued frames, say goodbye, and resolve once the socket is closed. */
  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.closeRequested = true;
      this.inbox.discard();
      this.writer.push(EMPTY);
      this.writer.flush();
      this.socket.end();
      // A peer that never finishes the close (hung, not reading) must not hang us.
      this.closeTimer = setTimeout(() => this.socket.destroy(), this.settings.closeTimeoutMs);
      this.closeTimer.unref();
    }
    return this.ended;
  }

  private onData(chunk: Buffer): void {
    if (this.socket.destroyed || this.closeRequested) return;
    try {
      this.reader.push(chunk, (payload) => this.onPayload(payload));
    } catch (err) {
      this.reject(err as TesseraError);
    }
  }

  /** One payload off the wire; returns false to stop reading. */
  private onPayload(payload: Buffer): boolean {
    if (payload.length === 0) {
      this.goodbyeReceived = true;
      this.isClosed = true;
      return true;
    }
    if (this.goodbyeReceived) {
      this.reject(TesseraError.invalidArgument('frame after goodbye'));
      return false;
    }
    let frame: Frame;
    try {
      frame = decodeFrame(payload);
    } catch (err) {
      this.reject(
        err instanceof TesseraError ? err : TesseraError.invalidArgument('malformed frame'),
      );
      return false;
    }
    this.inbox.deliver(frame);
    return !this.socket.destroyed && !this.closeRequested;
  }

  /** Bad input from the peer: drop this connection only, and say why. */
  private reject(error: TesseraError): void {
    if (this.socket.destroyed) return;
    this.settings.logger.warn(
      `closing ipc connection ${this.id} on ${this.address}: ${error.message}`,
      { connection: this.id, address: this.address, code: error.code },
    );
    this.closeError ??= error;
    this.isClosed = true;
    this.socket.destroy();
  }

  private onSocketError(err: Error): void {
    if (this.closeRequested) return;
    this.closeError ??= TesseraError.unavailable(
      `ipc connection ${this.id} to ${this.address} failed: ${errorCode(err)}`,
    );
  }

  private onSocketClosed(): void {
    this.isClosed = true;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    if (!this.closeRequested && !this.goodbyeReceived) {
      this.closeError ??= TesseraError.unavailable(
        `ipc peer at ${this.address} went away without closing the connection (process died?)`,
      );
    }
    this.inbox.close(this.closeRequested ? undefined : this.closeError);
  }
}
