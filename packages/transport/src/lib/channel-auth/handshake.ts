import { randomBytes } from 'node:crypto';
import { type ControlFrame, type Frame, TesseraError } from '@tessera/protocol';
import type { Connection, ConnectionHandler, PeerIdentity } from '../connection';
import { type ChannelIdentity, isChannelKey, verifyChannelSignature } from './channel-identity';

/** Options of the channel handshake, both ends. */
export interface ChannelAuthOptions {
  /** This end's identity key. */
  identity: ChannelIdentity;
  /**
   * Server side: who a proven client key stands for, asked afresh on every
   * handshake (the core's key ring; a module host's live grants). Return
   * `undefined` to refuse the connection before it can send a single call.
   * Default: any proven key, unnamed.
   */
  authorize?: (key: string) => string | undefined;
  /** Give up a handshake after this long; default 5 s. */
  timeoutMs?: number;
  /**
   * Largest frame either end accepts until the other is proven (default
   * 4 KiB; handshake frames are about 200 bytes). The carrier refuses a
   * bigger one before buffering or decoding it, where it can
   * ({@link Connection.limitInbound}); the limit is lifted after `welcome`.
   */
  maxHandshakeFrameBytes?: number;
  /**
   * Server side, per listener: handshakes that may be in progress at once
   * (default 64). A connection beyond it is refused and closed at once.
   */
  maxPendingHandshakes?: number;
  /** Told why a client's handshake was refused or failed (for the operator's log). */
  onRefused?: (reason: string, key?: string) => void;
}

/** 2: call frames may name token slots, which version 1 peers cannot read. */
const VERSION = 2;
const NONCE_BYTES = 32;
const DEFAULT_TIMEOUT_MS = 5_000;
/** Default {@link ChannelAuthOptions.maxHandshakeFrameBytes}. */
export const DEFAULT_HANDSHAKE_FRAME_BYTES = 4 * 1024;
/** Default {@link ChannelAuthOptions.maxPendingHandshakes}. */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 64;
/** Frames a proven connection may receive before its handler attaches. */
const MAX_EARLY_FRAMES = 1024;

/**
 * Server end of the handshake on a fresh carrier connection. Resolves with
 * a connection whose `peer` is the proven key (and the identity `authorize`
 * gave it); rejects, and closes the carrier, when the client does not prove
 * a key within the timeout, proves it for another server, or is refused.
 *
 *   client → hello     {v, nonce: cN}
 *   server → challenge {nonce: sN, key: S, sig: S("server", cN, sN, S)}
 *   client → proof     {key: C, sig: C("client", cN, sN, S, C)}
 *   server → welcome   {}             | refused {reason}
 *
 * Both signatures cover both nonces and the server's key, so a proof made
 * for one server cannot be replayed to, or relayed through, another.
 */
export function acceptChannel(raw: Connection, options: ChannelAuthOptions): Promise<Connection> {
  const own = options.identity.publicKey;
  const sN = randomBytes(NONCE_BYTES);
  let cN: Uint8Array | undefined;
  return runHandshake(raw, options, (frame, done) => {
    if (frame.op === 'hello' && cN === undefined) {
      const nonce = frame.data?.['nonce'];
      const v = frame.data?.['v'];
      if (typeof v === 'number' && v !== VERSION)
        return done.fail(
          `hello speaks channel version ${v}, this end ${VERSION}: upgrade the core and its hosts together`,
        );
      if (v !== VERSION || !isNonce(nonce)) return done.fail(`hello needs {v: ${VERSION}, nonce}`);
      cN = nonce;
      raw.send(
        control('challenge', { nonce: sN, key: own, sig: signed(options, 'server', cN, sN, own) }),
      );
      return;
    }
    if (frame.op === 'proof' && cN !== undefined) {
      const key = frame.data?.['key'];
      const sig = frame.data?.['sig'];
      if (!isChannelKey(key) || !(sig instanceof Uint8Array))
        return done.fail('proof needs {key, sig}');
      if (!verifyChannelSignature(key, handshakeTranscript('client', cN, sN, own, key), sig))
        return done.fail('the proof does not verify for this key and this server', key);
      const module = options.authorize ? options.authorize(key) : undefined;
      if (options.authorize && module === undefined)
        return done.fail('this key is not admitted here', key);
      raw.send(control('welcome', {}));
      return done.ok(module !== undefined ? { module, key } : { key });
    }
    return done.fail(`unexpected ${frame.op} during the handshake`);
  });
}

/**
 * Client end: prove our key to the server and, when `serverKey` is given,
 * check that the server holds that key. Rejects `UNAUTHENTICATED` when
 * either proof fails or the server refuses us.
 */
export function openChannel(
  raw: Connection,
  options: ChannelAuthOptions & { serverKey?: string },
): Promise<EndingConnection> {
  const own = options.identity.publicKey;
  const cN = randomBytes(NONCE_BYTES);
  let serverKey: string | undefined;
  const promise = runHandshake(
    raw,
    options,
    (frame, done) => {
      if (frame.op === 'challenge' && serverKey === undefined) {
        const { nonce, key, sig } = frame.data ?? {};
        if (!isNonce(nonce) || !isChannelKey(key) || !(sig instanceof Uint8Array))
          return done.fail('challenge needs {nonce, key, sig}');
        if (options.serverKey !== undefined && key !== options.serverKey)
          return done.fail(`the server holds key ${short(key)}, not ${short(options.serverKey)}`);
        if (!verifyChannelSignature(key, handshakeTranscript('server', cN, nonce, key), sig))
          return done.fail('the server did not prove its key');
        serverKey = key;
        raw.send(
          control('proof', { key: own, sig: signed(options, 'client', cN, nonce, key, own) }),
        );
        return;
      }
      if (frame.op === 'welcome' && serverKey !== undefined) return done.ok({ key: serverKey });
      if (frame.op === 'refused') {
        const reason = frame.data?.['reason'];
        return done.fail(
          `refused by the server: ${typeof reason === 'string' ? reason : 'no reason'}`,
        );
      }
      return done.fail(`unexpected ${frame.op} during the handshake`);
    },
    true,
  );
  try {
    raw.send(control('hello', { v: VERSION, nonce: cN }));
  } catch {
    // Closed already (refused on accept): the handshake fails with its close.
  }
  return promise;
}

function signed(options: ChannelAuthOptions, ...parts: (string | Uint8Array)[]): Buffer {
  return options.identity.sign(handshakeTranscript(...parts));
}

interface Steps {
  ok(peer: PeerIdentity): void;
  fail(reason: string, key?: string): void;
}

/** The shared machinery: a temporary handler, a deadline, and the hand-over to a {@link ProvenConnection}. */
function runHandshake(
  raw: Connection,
  options: ChannelAuthOptions,
  step: (frame: ControlFrame, done: Steps) => void,
  client = false,
): Promise<EndingConnection> {
  return new Promise<EndingConnection>((resolve, reject) => {
    let proven: ProvenConnection | undefined;
    let settled = false;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => done.fail(`no handshake within ${timeoutMs} ms`), timeoutMs);
    timer.unref?.();
    const done: Steps = {
      ok: (peer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        raw.limitInbound?.(undefined); // proven: the carrier's own limit again
        proven = new ProvenConnection(raw, peer);
        resolve(proven);
      },
      fail: (reason, key) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (client) void raw.close();
        else refuseChannel(raw, options, reason, key);
        reject(TesseraError.unauthenticated(`channel handshake failed: ${reason}`));
      },
    };
    const handler: ConnectionHandler = {
      onFrame: (frame: Frame) => {
        if (proven) return proven.deliver(frame);
        if (settled) return;
        if (frame.t !== 'control') return done.fail(`a ${frame.t} frame before the handshake`);
        step(frame, done);
      },
      onClose: (error) => {
        if (proven) return proven.end(error);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // The carrier dropped it (e.g. a frame over the handshake limit): tell the operator.
        if (!client && error)
          options.onRefused?.(`connection dropped during the handshake: ${error.message}`);
        reject(
          TesseraError.unavailable(
            `connection closed during the channel handshake${error ? `: ${error.message}` : ''}`,
          ),
        );
      },
    };
    // Until the peer is proven, a frame bigger than any handshake frame is
    // refused by the carrier before it is buffered or decoded.
    raw.limitInbound?.(options.maxHandshakeFrameBytes ?? DEFAULT_HANDSHAKE_FRAME_BYTES);
    raw.attach(handler);
  });
}

/**
 * Server side: refuse a client before or during the handshake. Reported to
 * `onRefused`, told to the client in a `refused` frame, and closed.
 */
export function refuseChannel(
  raw: Connection,
  options: ChannelAuthOptions,
  reason: string,
  key?: string,
): void {
  options.onRefused?.(reason, key);
  try {
    raw.send(control('refused', { reason }));
  } catch {
    // Already gone.
  }
  void raw.close();
}

/** A proven connection that can also tell its opener when it is gone. */
export interface EndingConnection extends Connection {
  /**
   * Call `listener` once the connection is gone (at once if it is already):
   * what tracks open connections (to close them later) drops it then,
   * instead of keeping a dead one, and all it holds, for ever.
   */
  onEnd(listener: () => void): void;
}

/**
 * A carrier connection whose peer proved its key. Frames that arrive
 * between the handshake and the RPC layer attaching are kept, in order, and
 * handed over on the next microtask after `attach`, never inside it (the
 * layer above is still being constructed then), as the carriers do.
 */
class ProvenConnection implements EndingConnection {
  private handler: ConnectionHandler | undefined;
  /** Told once the carrier is gone ({@link onEnd}). */
  private endListeners: (() => void)[] | undefined = [];
  /** Frames not yet handed over; `undefined` once the hand-over caught up. */
  private early: Frame[] | undefined = [];
  private ended: { error?: TesseraError } | undefined;

  constructor(
    private readonly raw: Connection,
    readonly peer: PeerIdentity,
  ) {}

  get id(): string {
    return this.raw.id;
  }

  get closed(): boolean {
    return this.raw.closed;
  }

  get tokenSlots(): boolean | undefined {
    return this.raw.tokenSlots;
  }

  send(frame: Frame): void {
    this.raw.send(frame);
  }

  close(): Promise<void> {
    return this.raw.close();
  }

  attach(handler: ConnectionHandler): void {
    this.handler = handler;
    queueMicrotask(() => {
      const early = this.early ?? [];
      this.early = undefined;
      for (const f of early) handler.onFrame(f);
      if (this.ended) handler.onClose(this.ended.error);
    });
  }

  deliver(frame: Frame): void {
    if (this.handler && this.early === undefined) this.handler.onFrame(frame);
    else if (this.early && this.early.length < MAX_EARLY_FRAMES) this.early.push(frame);
    else void this.raw.close();
  }

  onEnd(listener: () => void): void {
    if (this.endListeners) this.endListeners.push(listener);
    else listener();
  }

  end(error: TesseraError | undefined): void {
    if (this.handler && this.early === undefined) this.handler.onClose(error);
    else this.ended = error ? { error } : {};
    const listeners = this.endListeners ?? [];
    this.endListeners = undefined;
    for (const l of listeners) l();
  }
}

function control(op: ControlFrame['op'], data: Record<string, unknown>): ControlFrame {
  return { t: 'control', op, data };
}

function isNonce(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array && v.length === NONCE_BYTES;
}

/** Length-prefixed concatenation: no two different part lists give the same bytes. */
export function handshakeTranscript(...parts: (string | Uint8Array)[]): Buffer {
  const chunks: Buffer[] = [Buffer.from(`tessera-channel-v${VERSION}`)];
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p) : Buffer.from(p);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    chunks.push(len, b);
  }
  return Buffer.concat(chunks);
}

function short(key: string): string {
  return `${key.slice(0, 8)}…`;
}
