import { lstat, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { basename, dirname } from 'node:path';
import { TesseraError } from '@tessera/protocol';
import type { ConnectOptions, Connection, Listener, Transport } from '@tessera/transport';
import { Context } from 'zeromq';
import { ClientSession } from './client/client-session';
import { clientCurveFor, serverCurveFor } from './curve/curve-policy';
import { ZapHandler } from './curve/zap-handler';
import { type ResolvedOptions, type ZeroMqTransportOptions, resolveOptions } from './options';
import { type ZeroMqStats, emptyStats } from './peer/zeromq-stats';
import { bindRouter } from './server/router-socket';
import { ServerHandshake } from './server/server-handshake';
import { ZeroMqListener } from './server/zeromq-listener';

/**
 * The `zeromq` carrier: a Router per listener (`ipc://` or `tcp://`), a
 * Dealer per outgoing connection, all in one ZeroMQ Context of its own
 * (which also hosts its ZAP handler). CURVE is mandatory on tcp://.
 */
export class ZeroMqTransport implements Transport {
  readonly kind = 'zeromq';
  private readonly options: ResolvedOptions;
  private readonly context = new Context({ blocky: false });
  private readonly listeners = new Set<ZeroMqListener>();
  private readonly sessions = new Set<ClientSession>();
  private zap: Promise<ZapHandler> | undefined;
  private readonly counters: ZeroMqStats = emptyStats();
  private isClosed = false;

  constructor(options: ZeroMqTransportOptions = {}) {
    this.options = resolveOptions(options);
  }

  /** Frame and message counters; `batchesSent < framesSent` shows batching at work. */
  stats(): ZeroMqStats & { messagesSent: number } {
    let messagesSent = 0;
    for (const l of this.listeners) messagesSent += l.writer.messagesSent;
    for (const s of this.sessions) messagesSent += s.writer.messagesSent;
    return { ...this.counters, messagesSent };
  }

  async listen(
    address: string | undefined,
    onConnection: (conn: Connection) => void,
  ): Promise<Listener> {
    this.assertOpen();
    const curve = serverCurveFor(address ?? 'ipc://', this.options.curve);
    if (address?.startsWith('tcp://') && this.options.curve === false) {
      this.options.logger.warn(
        'zeromq: listening on tcp:// WITHOUT CURVE: anyone who reaches the port can call in',
        { address },
      );
    }
    let zap: ZapHandler | undefined;
    let domain: ReturnType<ZapHandler['addDomain']> | undefined;
    if (curve) {
      zap = await this.zapHandler();
      domain = zap.addDomain(curve.authorize);
    }
    let bound;
    try {
      bound = await bindRouter(this.context, address, this.options, curve, domain?.name);
    } catch (err) {
      if (domain) zap?.removeDomain(domain.name);
      throw err;
    }
    const handshake = new ServerHandshake(curve, domain?.domain);
    const listener: ZeroMqListener = new ZeroMqListener(
      bound,
      handshake,
      onConnection,
      this.options,
      this.counters,
      () => {
        if (domain) zap?.removeDomain(domain.name);
        this.listeners.delete(listener);
      },
    );
    this.listeners.add(listener);
    return listener;
  }

  /**
   * Remove what a dead listener at a default `ipc://` address left behind:
   * its socket file and the private directory made for it (only one of ours,
   * and only when nothing answers there).
   */
  async reclaim(address: string): Promise<void> {
    if (!address.startsWith('ipc://')) return;
    const path = address.slice('ipc://'.length);
    const dir = dirname(path);
    if (!basename(dir).startsWith('tessera-zmq-') || basename(path) !== 'listener.sock') return;
    const st = await lstat(path).catch(() => undefined);
    if (st && !st.isSocket()) return;
    const answered =
      st !== undefined &&
      (await new Promise<boolean>((resolve) => {
        const probe = createConnection(path);
        probe.once('connect', () => (probe.destroy(), resolve(true)));
        probe.once('error', () => resolve(false));
      }));
    if (!answered) await rm(dir, { recursive: true, force: true });
  }

  async connect(address: string, options: ConnectOptions = {}): Promise<Connection> {
    this.assertOpen();
    // A per-connection server key (the target's, from its route) overrides the transport's default.
    const own = this.options.curve;
    const curve = clientCurveFor(
      address,
      own && options.serverKey ? { ...own, serverKey: options.serverKey } : own,
    );
    const session = new ClientSession(
      this.context,
      address,
      this.options,
      curve,
      this.counters,
      (s) => this.sessions.delete(s),
    );
    this.sessions.add(session);
    return session.open(options.timeoutMs ?? this.options.connectTimeoutMs);
  }

  /** Close every listener and connection, then the ZAP handler; idempotent. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all([...this.listeners].map((l) => l.close()));
    for (const s of [...this.sessions]) s.release();
    const zap = this.zap;
    this.zap = undefined;
    if (zap) await (await zap).close();
  }

  private zapHandler(): Promise<ZapHandler> {
    this.zap ??= ZapHandler.start(this.context, this.options.logger);
    return this.zap;
  }

  private assertOpen(): void {
    if (this.isClosed) throw TesseraError.unavailable('zeromq transport closed');
  }
}
