import { type Server, type Socket, createConnection, createServer } from 'node:net';
import { chmod, lstat, unlink } from 'node:fs/promises';
import { TesseraError } from '@tessera/protocol';
import type { Connection, Listener } from '@tessera/transport';
import { IpcConnection, type IpcConnectionSettings } from './ipc-connection';
import { errorCode } from './runtime-dir';

/**
 * A bound Unix socket (or Windows pipe). The socket file is 0600, is removed
 * on close, and a stale file left by a dead process is replaced only after
 * a probe shows that nothing answers on it.
 */
export class IpcListener implements Listener {
  private readonly accepted = new Set<IpcConnection>();
  private closing: Promise<void> | undefined;
  /** Inode of our socket file, so close never removes a file someone else bound since. */
  private inode: number | undefined;

  private constructor(
    readonly address: string,
    private readonly path: string,
    private readonly server: Server,
  ) {}

  static async open(
    address: string,
    path: string,
    settings: IpcConnectionSettings,
    onConnection: (conn: Connection) => void,
  ): Promise<IpcListener> {
    const server = createServer((socket) => listener.accept(socket, settings, onConnection));
    const listener = new IpcListener(address, path, server);
    try {
      await listenOn(server, path);
    } catch (err) {
      if (errorCode(err) !== 'EADDRINUSE') throw cannotListen(address, err);
      await removeIfStale(address, path);
      await listenOn(server, path).catch((again: unknown) => {
        throw cannotListen(address, again);
      });
    }
    if (process.platform !== 'win32') {
      await chmod(path, 0o600);
      listener.inode = (await lstat(path)).ino;
    }
    return listener;
  }

  /** Connections accepted and still open. */
  get connectionCount(): number {
    return this.accepted.size;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.accepted].map((c) => c.close()));
    await stopped;
    await this.removeSocketFile();
  }

  private accept(
    socket: Socket,
    settings: IpcConnectionSettings,
    onConnection: (conn: Connection) => void,
  ): void {
    const conn = new IpcConnection(socket, this.address, settings);
    if (this.closing) {
      void conn.close();
      return;
    }
    this.accepted.add(conn);
    socket.once('close', () => this.accepted.delete(conn));
    onConnection(conn);
  }

  /** node unlinks the socket on close; this covers the cases where it did not. */
  private async removeSocketFile(): Promise<void> {
    if (this.inode === undefined) return;
    try {
      if ((await lstat(this.path)).ino === this.inode) await unlink(this.path);
    } catch {
      // Already gone.
    }
  }
}

function listenOn(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function cannotListen(address: string, err: unknown): TesseraError {
  return TesseraError.unavailable(`cannot listen on ${address}: ${errorCode(err)}`);
}

/** Remove `path` if it is a socket nobody answers on; refuse a live one or a non-socket. */
export async function removeIfStale(address: string, path: string): Promise<void> {
  if (process.platform === 'win32')
    throw TesseraError.invalidArgument(`address in use: ${address}`);
  const st = await lstat(path).catch(() => undefined);
  if (st && !st.isSocket()) {
    throw TesseraError.invalidArgument(
      `cannot listen on ${address}: a file that is not a socket is in the way`,
    );
  }
  const answered = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answered)
    throw TesseraError.invalidArgument(
      `address in use: ${address} (a live listener answers there)`,
    );
  await unlink(path).catch(() => undefined);
}
