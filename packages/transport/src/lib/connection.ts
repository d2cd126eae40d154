import type { Frame, TesseraError } from '@tessera/protocol';

/** Who is on the other end, as far as the carrier can prove it. */
export interface PeerIdentity {
  /** Module identity bound by the carrier (e.g. a CURVE key admitted by the core). */
  module?: string;
  /** Carrier-level key (e.g. a CURVE public key), when there is one. */
  key?: string;
}

/** What a connection reports to the layer above. */
export interface ConnectionHandler {
  onFrame(frame: Frame): void;
  /** Called once, when the connection is gone; `error` says why if it did not close cleanly. */
  onClose(error?: TesseraError): void;
}

/**
 * A carrier: delivers frames in order between two endpoints. It knows
 * nothing of correlation, timeouts or tokens; that is {@link RpcPeer}'s job.
 */
export interface Connection {
  /** Unique per connection in this process; grants can bind to it. */
  readonly id: string;
  /** Identity the carrier itself authenticated, if any. */
  readonly peer: PeerIdentity;
  readonly closed: boolean;
  /**
   * True when the carrier encodes frames (ipc, zeromq): a token repeated on
   * this connection then goes out once and later as a small slot number
   * (`CallFrame.tokenSlot`). Frames must arrive in order and a lost frame
   * must close the connection, as for every carrier. Optional: carriers that
   * hand frames over by reference (in-process) omit it.
   */
  readonly tokenSlots?: boolean;
  /** Queue a frame. Throws `UNAVAILABLE` once closed, `RESOURCE_EXHAUSTED` if full. */
  send(frame: Frame): void;
  /** Attach the single handler. Frames received before this are buffered. */
  attach(handler: ConnectionHandler): void;
  /** Close gracefully; idempotent. */
  close(): Promise<void>;
  /**
   * Lower the largest inbound frame this connection accepts to
   * `maxFrameBytes` (never above the carrier's own limit), or restore the
   * carrier's limit with `undefined`. A frame over it is refused before it
   * is buffered or decoded, where the carrier can tell, and drops only this
   * connection. The channel handshake sets it until the peer is proven.
   * Optional: carriers without bytes (in-process) omit it.
   */
  limitInbound?(maxFrameBytes: number | undefined): void;
}

/** A bound server endpoint. */
export interface Listener {
  /** The address peers connect to (port 0 / random names resolved). */
  readonly address: string;
  /** Stop accepting and close every accepted connection; idempotent. */
  close(): Promise<void>;
}

/** Options a host passes when connecting. */
export interface ConnectOptions {
  /** Give up connecting after this many ms (default: transport specific). */
  timeoutMs?: number;
  /** For carriers that authenticate the server by key (ZeroMQ CURVE): the target's public key. */
  serverKey?: string;
}

/** One carrier kind: in-process, IPC, ZeroMQ. All pass the same contract suite. */
export interface Transport {
  /** The config `kind` that selects this transport. */
  readonly kind: string;
  listen(address: string | undefined, onConnection: (conn: Connection) => void): Promise<Listener>;
  connect(address: string, options?: ConnectOptions): Promise<Connection>;
  /** Release everything this transport opened; idempotent. */
  close(): Promise<void>;
  /**
   * Remove what a listener at `address` left behind when its process died
   * without closing it (a socket file, a private directory). Only removes a
   * socket nobody answers on. Optional: carriers with nothing on disk omit it.
   */
  reclaim?(address: string): Promise<void>;
}
