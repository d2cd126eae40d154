import { type Frame, TesseraError } from '@tessera/protocol';
import type { Connection, ConnectionHandler, PeerIdentity } from '@tessera/transport';

let nextConnectionId = 0;
const resolved = Promise.resolve();

/**
 * One end of an in-process pipe. Frames are handed over by reference and
 * delivered in a microtask batch, so a send never runs the peer's code
 * synchronously (same ordering and re-entrancy as the real carriers).
 */
export class InProcConnection implements Connection {
  readonly id = `inproc-${++nextConnectionId}`;
  readonly peer: PeerIdentity = {};
  private other: InProcConnection | undefined;
  private handler: ConnectionHandler | undefined;
  private queue: Frame[] = [];
  private spare: Frame[] = [];
  private scheduled = false;
  private isClosed = false;
  private closeNotified = false;
  private closeError: TesseraError | undefined;
  private readonly flush = (): void => this.deliver();
  private ended: (() => void) | undefined;

  /** Bookkeeping hook for the transport: called once when this end is closed. */
  onEnd(listener: () => void): void {
    this.ended = listener;
  }

  static pair(): [InProcConnection, InProcConnection] {
    const a = new InProcConnection();
    const b = new InProcConnection();
    a.other = b;
    b.other = a;
    return [a, b];
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(frame: Frame): void {
    if (this.isClosed) throw TesseraError.unavailable('connection closed');
    this.other?.enqueue(frame);
  }

  attach(handler: ConnectionHandler): void {
    this.handler = handler;
    if (this.queue.length > 0 || this.isClosed) this.schedule();
  }

  async close(): Promise<void> {
    this.terminate(undefined);
  }

  /** Simulate the peer dying: both ends see an abnormal close. */
  destroy(reason = 'peer died'): void {
    const err = TesseraError.unavailable(reason);
    this.terminate(err);
  }

  private terminate(error: TesseraError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ended?.();
    this.closeError = error;
    this.queue = [];
    this.schedule();
    const other = this.other;
    this.other = undefined;
    other?.remoteClosed(error);
  }

  private remoteClosed(error: TesseraError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ended?.();
    this.closeError = error;
    this.other = undefined;
    this.schedule(); // frames already queued are still delivered, then the close
  }

  private enqueue(frame: Frame): void {
    this.queue.push(frame);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.handler) return;
    this.scheduled = true;
    resolved.then(this.flush); // a microtask, without queueMicrotask's async-hooks bookkeeping
  }

  private deliver(): void {
    this.scheduled = false;
    const handler = this.handler;
    if (!handler) return;
    const batch = this.queue;
    this.queue = this.spare; // swap two arrays instead of allocating one per batch
    for (let i = 0; i < batch.length; i++) handler.onFrame(batch[i] as Frame);
    batch.length = 0;
    this.spare = batch;
    if (this.isClosed && !this.closeNotified) {
      this.closeNotified = true;
      handler.onClose(this.closeError);
    }
  }
}
