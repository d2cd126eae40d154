/**
 * What a {@link ZeroMqConnection} needs from the socket side: the server
 * side routes by routing id on a shared Router, the client side owns a
 * Dealer. The connection itself only batches, decodes and keeps liveness.
 */
export interface PeerLink {
  /** Bytes after the tag of every message to the peer (the session, client side). */
  readonly prefix: Buffer;
  /** Queue one carrier message on the socket's writer; throws if the writer is full or closed. */
  post(message: Buffer, onError: (err: unknown) => void): void;
  /** Orderly end once the last batch is queued: say BYE, then release. */
  end(): Promise<void>;
  /** Forget the peer without a goodbye (it is gone or misbehaved). */
  release(): void;
}
