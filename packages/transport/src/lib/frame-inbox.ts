import type { Frame, TesseraError } from '@tessera/protocol';
import type { ConnectionHandler } from './connection';

const resolved = Promise.resolve();

/** How a {@link FrameInbox} hands frames over. */
export interface FrameInboxOptions {
  /**
   * `false` (default): a frame that arrives while a handler is attached and
   * nothing waits is handed over at once. `true`: every frame waits for a
   * microtask, and the frames of one tick go over as one batch, so a sender
   * never runs the receiver's code synchronously (the in-process carrier
   * needs this; socket carriers get it from the event loop).
   */
  deferFrames?: boolean;
  /**
   * With `deferFrames`: a `result` or `error` frame that arrives while
   * nothing waits is still handed over at once. Such a frame only settles a
   * promise of the layer above ({@link RpcPeer}), whose continuations run as
   * microtasks anyway, so no code of the receiver runs inside the sender's
   * `send`, and a call's answer saves a microtask hop. Calls, events,
   * cancels and control frames are deferred as before; order is kept (a
   * frame never overtakes one that waits).
   */
  answersAtOnce?: boolean;
}

/**
 * The receiving half every carrier shares: frames that arrive before
 * {@link attach} wait in an (unbounded) buffer and go over in order once a
 * handler is attached; {@link close} is reported exactly once, after every
 * buffered frame, and always from a microtask, never from inside the call
 * that closed. Frames delivered after `close` are dropped.
 */
export class FrameInbox {
  private handler: ConnectionHandler | undefined;
  private buffer: Frame[] = [];
  private spare: Frame[] = [];
  private drainScheduled = false;
  private isClosed = false;
  private closeNotified = false;
  private closeError: TesseraError | undefined;
  private readonly deferFrames: boolean;
  private readonly answersAtOnce: boolean;
  /** Inside {@link drain}: a frame arriving now waits behind the rest of the batch. */
  private draining = false;
  private readonly drainNow = (): void => this.drain();

  constructor(options: FrameInboxOptions = {}) {
    this.deferFrames = options.deferFrames ?? false;
    this.answersAtOnce = options.answersAtOnce ?? false;
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Set the handler; what is already buffered (and a close) follows in a microtask. */
  attach(handler: ConnectionHandler): void {
    this.handler = handler;
    if (this.buffer.length > 0 || this.isClosed) this.scheduleDrain();
  }

  /** One frame off the carrier, in arrival order. */
  deliver(frame: Frame): void {
    if (this.isClosed) return;
    const handler = this.handler;
    if (
      handler &&
      !this.drainScheduled &&
      (!this.deferFrames ||
        (this.answersAtOnce && !this.draining && (frame.t === 'result' || frame.t === 'error')))
    ) {
      handler.onFrame(frame);
      return;
    }
    this.buffer.push(frame);
    if (handler) this.scheduleDrain();
  }

  /** Drop the frames not yet handed over (a local close does not read on). */
  discard(): void {
    this.buffer.length = 0;
  }

  /** No more frames; `error` says why if the connection did not close cleanly. Idempotent. */
  close(error?: TesseraError): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    if (this.handler) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    void resolved.then(this.drainNow); // a microtask without queueMicrotask's async-hooks bookkeeping
  }

  private drain(): void {
    this.drainScheduled = false;
    const handler = this.handler;
    if (!handler) return;
    const batch = this.buffer;
    this.buffer = this.spare; // swap two arrays instead of allocating one per batch
    this.draining = true;
    try {
      for (let i = 0; i < batch.length; i++) handler.onFrame(batch[i] as Frame);
    } finally {
      this.draining = false;
    }
    if (batch.length === 1) batch.pop();
    else batch.length = 0; // a batch of one (sequential calls) skips the length setter's runtime call
    this.spare = batch;
    if (this.isClosed && !this.closeNotified) {
      this.closeNotified = true;
      handler.onClose(this.closeError);
    }
  }
}
