import { type Socket, createConnection } from 'node:net';
import { DEFAULT_MAX_FRAME_BYTES, type Logger, TesseraError } from '@tessera/protocol';
import type { Connection, ConnectOptions, Listener, Transport } from '@tessera/transport';
import { ipcAddressOf, ipcPathOf } from './ipc-address';
import { IpcConnection, type IpcConnectionSettings } from './ipc-connection';
import { IpcListener, removeIfStale } from './ipc-listener';
import { consoleIpcLogger } from './logger';
import { defaultRuntimeDir, ensurePrivateDir, errorCode, freshSocketPath } from './runtime-dir';

/** Options of the `ipc` transport kind. */
export interface IpcTransportOptions {
  /** Private directory (created 0700) for sockets of `listen(undefined)`. */
  runtimeDir?: string;
  /** Largest frame sent or accepted; default {@link DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
  /** Default `connect` timeout; 5 s. */
  connectTimeoutMs?: number;
  /** Where dropped connections are reported (`warn`); default the console. */
  logger?: Logger;
  /** `send` fails with `RESOURCE_EXHAUSTED` past this many unwritten bytes; default 64 MiB or 4 frames. */
  maxQueuedBytes?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Transport over Unix domain sockets (named pipes on Windows). Addresses:
 * `ipc:///abs/path.sock`. Frames are a 4-byte big-endian length and a
 * msgpack payload; the carrier proves nothing about the peer.
 */
export class IpcTransport implements Transport {
  readonly kind = 'ipc';
  /** The private directory fresh sockets are created in. */
  readonly runtimeDir: string;
  private readonly settings: IpcConnectionSettings;
  private readonly connectTimeoutMs: number;
  private readonly listeners = new Set<IpcListener>();
  private readonly connections = new Set<IpcConnection>();

  constructor(options: IpcTransportOptions = {}) {
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.runtimeDir = options.runtimeDir ?? defaultRuntimeDir();
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.settings = {
      maxFrameBytes,
      maxQueuedBytes: options.maxQueuedBytes ?? Math.max(64 * 1024 * 1024, 4 * maxFrameBytes),
      closeTimeoutMs: CLOSE_TIMEOUT_MS,
      logger: options.logger ?? consoleIpcLogger,
    };
  }

  async listen(
    address: string | undefined,
    onConnection: (conn: Connection) => void,
  ): Promise<Listener> {
    let path: string;
    if (address === undefined) {
      await ensurePrivateDir(this.runtimeDir);
      path = ipcPathOf(ipcAddressOf(freshSocketPath(this.runtimeDir)));
    } else {
      path = ipcPathOf(address);
    }
    const listener = await IpcListener.open(ipcAddressOf(path), path, this.settings, onConnection);
    this.listeners.add(listener);
    return listener;
  }

  /** Unlink the socket file of a listener whose process died (never a live one). */
  async reclaim(address: string): Promise<void> {
    await removeIfStale(address, ipcPathOf(address)).catch(() => undefined);
  }

  async connect(address: string, options: ConnectOptions = {}): Promise<Connection> {
    const path = ipcPathOf(address);
    const timeoutMs = options.timeoutMs ?? this.connectTimeoutMs;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(path);
      const timer = setTimeout(() => {
        s.destroy();
        reject(TesseraError.unavailable(`connect to ${address} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(TesseraError.unavailable(`nothing listens at ${address}: ${errorCode(err)}`));
      });
    });
    const conn = new IpcConnection(socket, address, this.settings);
    this.connections.add(conn);
    socket.once('close', () => this.connections.delete(conn));
    return conn;
  }

  async close(): Promise<void> {
    const listeners = [...this.listeners];
    this.listeners.clear();
    await Promise.all([
      ...listeners.map((l) => l.close()),
      ...[...this.connections].map((c) => c.close()),
    ]);
  }
}
