import { type Frame, TesseraError, assertEncodable } from '@tessera/protocol';
import {
  type Connection,
  type ConnectionHandler,
  FrameInbox,
  type PeerIdentity,
} from '@tessera/transport';

let nextConnectionId = 0;

/** Bound once: a re-exported import read on every send would go through a getter. */
const checkEncodable = assertEncodable;

/**
 * One end of an in-process pipe. Frames are handed over by reference and
 * delivered in a microtask batch, so a send never runs the peer's code
 * synchronously (same ordering and re-entrancy as the real carriers); only
 * an answer (result, error) that waits behind nothing goes over at once,
 * since it just settles the caller's promise (see `answersAtOnce`). Each
 * frame's values are checked as the encoder would (without encoding them),
 * so a value msgpack cannot carry fails here as it fails on the wire.
 */
export class InProcConnection implements Connection {
  readonly id = `inproc-${++nextConnectionId}`;
  readonly peer: PeerIdentity = {};
  private other: InProcConnection | undefined;
  private readonly inbox = new FrameInbox({ deferFrames: true, answersAtOnce: true });
  private isClosed = false;
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
    checkEncodable(frame); // throws INVALID_ARGUMENT like the real carriers' encoder
    this.other?.inbox.deliver(frame);
  }

  attach(handler: ConnectionHandler): void {
    this.inbox.attach(handler);
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
    this.inbox.discard();
    this.inbox.close(error);
    const other = this.other;
    this.other = undefined;
    other?.remoteClosed(error);
  }

  private remoteClosed(error: TesseraError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ended?.();
    this.other = undefined;
    this.inbox.close(error); // frames already queued are still delivered, then the close
  }
}
