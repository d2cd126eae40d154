import { TesseraError } from '@tessera/protocol';
import { Dealer, type Context } from 'zeromq';
import type { ClientCurve } from '../curve/curve-policy';
import { curveProof } from '../curve/curve-proof';
import type { ResolvedOptions } from '../options';
import type { PeerLink } from '../peer/peer-link';
import { ZeroMqConnection } from '../peer/zeromq-connection';
import type { ZeroMqStats } from '../peer/zeromq-stats';
import { commonSocketOptions } from '../server/router-socket';
import {
  CARRIER_VERSION,
  SESSION_BYTES,
  Tag,
  controlBody,
  controlMessage,
} from '../wire/carrier-message';
import { watchEvents } from '../wire/socket-events';
import { SocketWriter } from '../wire/socket-writer';

const BYE_WAIT_MS = 200;

/**
 * One outgoing connection: a Dealer of its own, the client half of the
 * handshake, then a {@link ZeroMqConnection}. The Dealer's event Observer
 * turns a ZMTP disconnect (process killed, heartbeat timeout) into an
 * UNAVAILABLE close at once, so pending calls never wait for their timeout.
 */
export class ClientSession {
  readonly writer: SocketWriter;
  private readonly socket: Dealer;
  private conn: ZeroMqConnection | undefined;
  private session = Buffer.alloc(0);
  private settle: ((error: TesseraError | undefined) => void) | undefined;
  private byeAck: (() => void) | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private loop: Promise<void> = Promise.resolve();
  private released = false;

  constructor(
    context: Context,
    private readonly address: string,
    private readonly options: ResolvedOptions,
    private readonly curve: ClientCurve | undefined,
    private readonly stats: ZeroMqStats,
    private readonly onReleased: (session: ClientSession) => void,
  ) {
    this.socket = new Dealer({
      context,
      immediate: false,
      reconnectInterval: 100,
      ...commonSocketOptions(options),
    });
    if (curve) {
      this.socket.curveServerKey = curve.serverKey;
      this.socket.curvePublicKey = curve.publicKey;
      this.socket.curveSecretKey = curve.secretKey;
    }
    this.writer = new SocketWriter(this.socket, options.sendHighWaterMark * 4);
  }

  /** Connect, run the handshake, and resolve with the connection (UNAVAILABLE on any failure). */
  async open(timeoutMs: number): Promise<ZeroMqConnection> {
    void watchEvents(this.socket, (e) => {
      if (e.type === 'handshake:error:auth')
        this.lost('the server refused this client key (CURVE/ZAP)');
      else if (e.type === 'handshake:error:protocol')
        this.lost(`security handshake failed: ${e.error.code}`);
      else if (e.type === 'handshake:error:other') this.lost(`handshake failed: ${e.error.code}`);
      else if (e.type === 'disconnect') this.lost('server disconnected');
    });
    const done = new Promise<TesseraError | undefined>((resolve) => (this.settle = resolve));
    const timer = setTimeout(
      () => this.lost(`no handshake with ${this.address} within ${timeoutMs} ms`),
      timeoutMs,
    );
    this.socket.connect(this.address);
    this.loop = this.serve();
    this.post(
      controlMessage(
        Tag.HELLO,
        this.curve ? { v: CARRIER_VERSION, key: this.curve.publicKey } : { v: CARRIER_VERSION },
      ),
    );
    const error = await done;
    clearTimeout(timer);
    if (error || !this.conn) {
      this.release();
      await this.loop;
      throw error ?? TesseraError.unavailable('connect failed');
    }
    this.sweeper = setInterval(
      () =>
        this.conn?.tick(Date.now(), this.options.heartbeatIntervalMs, this.options.heartbeatMisses),
      this.options.heartbeatIntervalMs,
    );
    this.sweeper.unref();
    return this.conn;
  }

  /** Close the socket and forget everything; idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.byeAck?.();
    if (this.sweeper) clearInterval(this.sweeper);
    this.writer.stop();
    this.socket.close();
    this.onReleased(this);
  }

  private link(): PeerLink {
    return {
      prefix: this.session,
      post: (message, onError) => this.writer.push({ parts: message, onError }),
      end: async () => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, BYE_WAIT_MS);
          this.byeAck = () => {
            clearTimeout(timer);
            resolve();
          };
          this.post(controlMessage(Tag.BYE, undefined, this.session));
        });
        this.release();
        await this.loop;
      },
      release: () => this.release(),
    };
  }

  private async serve(): Promise<void> {
    try {
      // A plain receive loop: one promise hop per message less than `for await`.
      while (!this.socket.closed) {
        const [body] = await this.socket.receive();
        if (body) this.onMessage(body);
      }
    } catch (err) {
      if (!this.socket.closed) this.lost(`receive failed: ${String(err)}`);
    }
  }

  private onMessage(body: Buffer): void {
    const conn = this.conn;
    conn?.touch();
    switch (body[0]) {
      case Tag.DATA:
        if (!conn) return this.lost('data before the handshake finished');
        try {
          conn.receive(body, 1);
        } catch (err) {
          this.options.logger.warn('zeromq: malformed data from the server; closing', {
            address: this.address,
            error: String(err),
          });
          conn.fail(
            TesseraError.invalidArgument(
              `malformed data from server: ${err instanceof Error ? err.message : ''}`,
            ),
          );
        }
        return;
      case Tag.CHALLENGE:
        return this.answerChallenge(body);
      case Tag.WELCOME:
        return this.welcome(body);
      case Tag.REJECT: {
        const reason = controlBody(body, 1)?.['reason'];
        return this.lost(
          `server rejected this connection: ${typeof reason === 'string' ? reason : 'no reason'}`,
        );
      }
      case Tag.PING:
        return this.post(controlMessage(Tag.PONG, undefined, this.session));
      case Tag.PONG:
        return;
      case Tag.BYE:
        if (this.byeAck) return this.byeAck();
        return conn ? conn.remoteClosed() : this.lost('server said goodbye');
      default:
        this.lost(`unknown message tag ${String(body[0])} from server`);
    }
  }

  private answerChallenge(body: Buffer): void {
    const nonce = controlBody(body, 1)?.['nonce'];
    if (!this.curve || this.conn || typeof nonce !== 'string')
      return this.lost('unexpected challenge');
    const c = this.curve;
    const mac = curveProof(c.secretKey, c.publicKey, c.serverKey, [
      Buffer.from(nonce, 'base64'),
      Buffer.from(c.serverKey),
      Buffer.from(c.publicKey),
    ]);
    this.post(controlMessage(Tag.PROOF, { mac: mac.toString('base64') }));
  }

  private welcome(body: Buffer): void {
    const session = controlBody(body, 1)?.['session'];
    if (this.conn || typeof session !== 'string') return this.lost('unexpected welcome');
    this.session = Buffer.from(session, 'base64');
    if (this.session.length !== SESSION_BYTES) return this.lost('malformed welcome');
    const identity = this.curve ? { key: this.curve.serverKey } : {};
    const limits = {
      maxFrameBytes: this.options.maxFrameBytes,
      maxQueuedFrames: this.options.maxQueuedFrames,
    };
    this.conn = new ZeroMqConnection(this.link(), Object.freeze(identity), limits, this.stats);
    this.settle?.(undefined);
    this.settle = undefined;
  }

  /** The session is over: fail the handshake or close the connection with UNAVAILABLE. */
  private lost(reason: string): void {
    const error = TesseraError.unavailable(reason);
    if (this.settle) {
      this.settle(error);
      this.settle = undefined;
    } else if (this.conn) {
      this.conn.fail(error);
    }
  }

  private post(message: Buffer): void {
    try {
      this.writer.push({ parts: message, onError: () => this.lost('send to server failed') });
    } catch {
      this.lost('send queue full during handshake');
    }
  }
}
