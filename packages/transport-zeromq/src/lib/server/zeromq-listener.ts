import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { TesseraError } from '@tessera/protocol';
import type { Connection, Listener, PeerIdentity } from '@tessera/transport';
import type { Router } from 'zeromq';
import { ZeroMqConnection } from '../peer/zeromq-connection';
import type { PeerLink } from '../peer/peer-link';
import type { ZeroMqStats } from '../peer/zeromq-stats';
import type { ResolvedOptions } from '../options';
import { SESSION_BYTES, Tag, controlMessage } from '../wire/carrier-message';
import { watchEvents } from '../wire/socket-events';
import { SocketWriter } from '../wire/socket-writer';
import type { BoundRouter } from './router-socket';
import type { ServerHandshake } from './server-handshake';

interface ServerPeer {
  conn: ZeroMqConnection;
  session: Buffer;
}

const MAX_REMEMBERED_REJECTS = 1024;

/**
 * One bound Router. A connection is one routing id that completed the
 * handshake. Routing ids are chosen by clients, so every message after
 * WELCOME must carry the 16-byte random session the server handed out
 * inside the (CURVE-encrypted) session: a client that grabs a dead peer's
 * routing id cannot speak as that peer.
 */
export class ZeroMqListener implements Listener {
  readonly address: string;
  readonly writer: SocketWriter;
  private readonly socket: Router;
  private readonly peers = new Map<string, ServerPeer>();
  /** Routing ids refused or closed lately: their stragglers are ignored without a warning. */
  private readonly rejected = new Set<string>();
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly loop: Promise<void>;
  private closing: Promise<void> | undefined;
  /** Made for a default ipc address; removed (and awaited) on close, so a host can exit right after. */
  private readonly privateDir: string | undefined;

  constructor(
    bound: BoundRouter,
    private readonly handshake: ServerHandshake,
    private readonly onConnection: (conn: Connection) => void,
    private readonly options: ResolvedOptions,
    private readonly stats: ZeroMqStats,
    private readonly onClosed: () => void,
  ) {
    this.socket = bound.socket;
    this.address = bound.address;
    this.writer = new SocketWriter(this.socket, options.sendHighWaterMark * 4);
    // A Router does not say which peer left; probe them all, gone ones fail at once (mandatory).
    void watchEvents(this.socket, (e) => {
      if (e.type === 'disconnect') this.probeAll();
    });
    this.sweeper = setInterval(() => this.sweep(), options.heartbeatIntervalMs);
    this.sweeper.unref();
    this.loop = this.serve();
    this.privateDir = bound.privateDir;
  }

  /** Number of live connections. */
  get connectionCount(): number {
    return this.peers.size;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.peers.values()].map((p) => p.conn.close()));
    await this.writer.drain(200);
    this.writer.stop();
    this.socket.close();
    await this.loop;
    if (this.privateDir) await rm(this.privateDir, { recursive: true, force: true });
    this.onClosed();
  }

  private async serve(): Promise<void> {
    try {
      while (!this.socket.closed) {
        const parts = await this.socket.receive();
        const [routing, body] = parts;
        if (!routing) continue;
        try {
          this.onMessage(routing, parts.length === 2 ? body : undefined);
        } catch (err) {
          this.options.logger.warn('zeromq listener: error while handling a message', {
            error: String(err),
          });
        }
      }
    } catch (err) {
      if (!this.socket.closed)
        this.options.logger.warn('zeromq listener stopped receiving', { error: String(err) });
    }
  }

  private onMessage(routing: Buffer, body: Buffer | undefined): void {
    if (this.closing) return;
    const id = routing.toString('latin1');
    const tag = body?.[0];
    if (!body || tag === undefined)
      return this.drop(id, routing, 'message is not one non-empty part');
    if (tag === Tag.HELLO || tag === Tag.PROOF) return this.onHandshake(id, routing, tag, body);
    const peer = this.peers.get(id);
    if (!peer || !hasSession(body, peer.session)) {
      // Stragglers of a session we just closed are expected; anything else is not.
      if (tag === Tag.PING)
        this.post(routing, controlMessage(Tag.REJECT, { reason: 'no such session' }));
      else if (tag !== Tag.PONG && tag !== Tag.BYE)
        this.drop(id, routing, 'message outside a session');
      return;
    }
    const conn = peer.conn;
    switch (tag) {
      case Tag.DATA:
        try {
          conn.receive(body, 1 + SESSION_BYTES);
        } catch (err) {
          this.drop(id, routing, err instanceof Error ? err.message : 'malformed data');
        }
        return;
      case Tag.PING:
        conn.touch();
        this.post(routing, controlMessage(Tag.PONG));
        return;
      case Tag.PONG:
        conn.touch();
        return;
      case Tag.BYE:
        this.post(routing, controlMessage(Tag.BYE));
        conn.remoteClosed();
        return;
      default:
        this.drop(id, routing, `unknown message tag ${tag}`);
    }
  }

  private onHandshake(id: string, routing: Buffer, tag: number, body: Buffer): void {
    this.peers.get(id)?.conn.fail(TesseraError.unavailable('peer started a new session'));
    const step =
      tag === Tag.HELLO ? this.handshake.onHello(id, body) : this.handshake.onProof(id, body);
    switch (step.kind) {
      case 'reply':
        this.post(routing, step.message);
        return;
      case 'reject':
        this.drop(id, routing, step.reason);
        return;
      case 'admit':
        this.admit(id, routing, step.peer);
    }
  }

  private admit(id: string, routing: Buffer, identity: PeerIdentity): void {
    if (this.closing) return this.drop(id, routing, 'listener closing');
    const session = randomBytes(SESSION_BYTES);
    const link: PeerLink = {
      prefix: Buffer.alloc(0),
      post: (message, onError) => this.writer.push({ parts: [routing, message], onError }),
      end: async () => {
        this.forget(id, conn);
        this.post(routing, controlMessage(Tag.BYE));
      },
      release: () => this.forget(id, conn),
    };
    const limits = {
      maxFrameBytes: this.options.maxFrameBytes,
      maxQueuedFrames: this.options.maxQueuedFrames,
    };
    const conn = new ZeroMqConnection(link, Object.freeze({ ...identity }), limits, this.stats);
    this.peers.set(id, { conn, session });
    this.rejected.delete(id);
    this.post(routing, controlMessage(Tag.WELCOME, { session: session.toString('base64') }));
    this.onConnection(conn);
  }

  private forget(id: string, conn: ZeroMqConnection): void {
    if (this.peers.get(id)?.conn !== conn) return;
    this.peers.delete(id);
    this.remember(id);
  }

  private remember(id: string): boolean {
    if (this.rejected.has(id)) return false;
    if (this.rejected.size >= MAX_REMEMBERED_REJECTS) this.rejected.clear();
    this.rejected.add(id);
    return true;
  }

  /** Malformed or unauthenticated input: log it, tell the peer once, close only that peer. */
  private drop(id: string, routing: Buffer, reason: string): void {
    const peer = this.peers.get(id);
    if (peer) {
      this.peers.delete(id);
      peer.conn.fail(TesseraError.invalidArgument(`peer dropped: ${reason}`));
    }
    if (!this.remember(id)) return;
    this.options.logger.warn(`zeromq: dropping peer: ${reason}`, {
      listener: this.address,
      routingId: routing.toString('hex'),
    });
    this.post(routing, controlMessage(Tag.REJECT, { reason }));
  }

  private post(routing: Buffer, message: Buffer): void {
    try {
      this.writer.push({ parts: [routing, message] });
    } catch {
      // Writer full or closed: the peer's liveness will catch up with it.
    }
  }

  private probeAll(): void {
    for (const { conn } of this.peers.values()) conn.ping();
  }

  private sweep(): void {
    const now = Date.now();
    for (const { conn } of [...this.peers.values()])
      conn.tick(now, this.options.heartbeatIntervalMs, this.options.heartbeatMisses);
    this.handshake.expire(now, this.options.connectTimeoutMs);
  }
}

function hasSession(body: Buffer, session: Buffer): boolean {
  return (
    body.length >= 1 + SESSION_BYTES &&
    timingSafeEqual(body.subarray(1, 1 + SESSION_BYTES), session)
  );
}
