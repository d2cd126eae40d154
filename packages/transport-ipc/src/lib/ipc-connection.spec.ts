import { join } from 'node:path';
import { type Socket, createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { ErrorCode, type Frame, type TesseraError } from '@tessera/protocol';
import { type Connection, RpcPeer } from '@tessera/transport';
import { tick } from '../../test/raw-socket';
import { tempRoot } from '../../test/temp-dir';
import { IpcTransport } from './ipc-transport';

const dir = tempRoot('conn');
afterAll(() => dir.cleanup());

/** A connected pair over a real socket: [client end, server end]. */
async function pair(transport: IpcTransport): Promise<[Connection, Connection]> {
  let accept!: (c: Connection) => void;
  const accepted = new Promise<Connection>((r) => (accept = r));
  const listener = await transport.listen(undefined, accept);
  const client = await transport.connect(listener.address);
  return [client, await accepted];
}

function recorder(conn: Connection): { frames: Frame[]; closes: (TesseraError | undefined)[] } {
  const rec = { frames: [] as Frame[], closes: [] as (TesseraError | undefined)[] };
  conn.attach({ onFrame: (f) => rec.frames.push(f), onClose: (e) => rec.closes.push(e) });
  return rec;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await tick(5);
}

describe('ipc connection semantics', () => {
  let t: IpcTransport;
  beforeEach(() => {
    t = new IpcTransport({
      runtimeDir: join(dir.root, 'run'),
      maxFrameBytes: 64 * 1024,
      connectTimeoutMs: 2_000,
    });
  });
  afterEach(() => t.close());

  it('buffers frames until attach, then delivers them in order', async () => {
    const [client, server] = await pair(t);
    for (let id = 0; id < 5; id++) server.send({ t: 'cancel', id });
    await tick(30);
    const rec = recorder(client);
    await until(() => rec.frames.length === 5);
    expect(rec.frames).toEqual([0, 1, 2, 3, 4].map((id) => ({ t: 'cancel', id })));
  });

  it('closes cleanly: both ends see onClose(undefined) exactly once; send after close throws UNAVAILABLE', async () => {
    const [client, server] = await pair(t);
    const c = recorder(client);
    const s = recorder(server);
    client.send({ t: 'cancel', id: 1 });
    await Promise.all([client.close(), client.close()]);
    expect(client.closed).toBe(true);
    await until(() => s.closes.length > 0);
    expect(s.frames).toEqual([{ t: 'cancel', id: 1 }]); // sent before close: not lost
    expect(s.closes).toEqual([undefined]);
    expect(c.closes).toEqual([undefined]);
    expect(() => client.send({ t: 'cancel', id: 2 })).toThrow(
      expect.objectContaining({ code: ErrorCode.UNAVAILABLE }),
    );
    await until(() => server.closed);
    expect(() => server.send({ t: 'cancel', id: 2 })).toThrow(
      expect.objectContaining({ code: ErrorCode.UNAVAILABLE }),
    );
    await tick(20);
    expect(s.closes).toHaveLength(1);
  });

  it('reports a peer that vanishes without goodbye as UNAVAILABLE', async () => {
    const raw = createServer((s) => s.destroy());
    const path = join(dir.root, 'vanish.sock');
    await new Promise<void>((r) => raw.listen(path, r));
    const conn = await t.connect(`ipc://${path}`);
    const rec = recorder(conn);
    await until(() => rec.closes.length > 0);
    expect(rec.closes).toEqual([expect.objectContaining({ code: ErrorCode.UNAVAILABLE })]);
    expect(rec.closes[0]?.message).toMatch(/went away|failed/);
    await new Promise<void>((r) => raw.close(() => r()));
  });

  it('refuses to send a frame over maxFrameBytes, sends nothing, and stays usable', async () => {
    const [client, server] = await pair(t);
    const s = recorder(server);
    expect(() =>
      client.send({ t: 'event', source: 's', name: 'n', payload: 'x'.repeat(70 * 1024) }),
    ).toThrow(
      expect.objectContaining({
        code: ErrorCode.RESOURCE_EXHAUSTED,
        message: expect.stringContaining('exceeds maxFrameBytes 65536'),
      }),
    );
    client.send({ t: 'cancel', id: 9 });
    await until(() => s.frames.length > 0);
    await tick(20);
    expect(s.frames).toEqual([{ t: 'cancel', id: 9 }]);
    expect(client.closed).toBe(false);
  });

  it('refuses to queue without bound for a peer that does not read', async () => {
    const path = join(dir.root, 'deaf.sock');
    const held: Socket[] = [];
    const deaf = createServer((s) => (s.pause(), held.push(s)));
    await new Promise<void>((r) => deaf.listen(path, r));
    const small = new IpcTransport({ maxFrameBytes: 1024 * 1024, maxQueuedBytes: 4 * 1024 * 1024 });
    const conn = await small.connect(`ipc://${path}`);
    const payload = new Uint8Array(900 * 1024);
    let sent = 0;
    let error: TesseraError | undefined;
    for (let i = 0; i < 200 && !error; i++) {
      try {
        conn.send({ t: 'event', source: 's', name: 'n', payload });
        sent++;
      } catch (err) {
        error = err as TesseraError;
      }
      await tick(1);
    }
    expect(error?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(sent).toBeGreaterThan(3);
    const closing = small.close();
    for (const s of held) s.destroy();
    await closing;
    await new Promise<void>((r) => deaf.close(() => r()));
  });

  it('closes accepted connections and removes the socket when the listener closes', async () => {
    let accepted: Connection | undefined;
    const listener = await t.listen(undefined, (c) => (accepted = c));
    const client = await t.connect(listener.address);
    const rec = recorder(client);
    await until(() => accepted !== undefined);
    await listener.close();
    await until(() => rec.closes.length > 0);
    expect(rec.closes).toEqual([undefined]);
    expect(accepted?.closed).toBe(true);
    await expect(t.connect(listener.address)).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      message: expect.stringContaining(listener.address),
    });
  });

  it('rejects connect to nothing with UNAVAILABLE naming the address', async () => {
    const address = `ipc://${join(dir.root, 'nobody.sock')}`;
    await expect(t.connect(address)).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      message: expect.stringContaining(`nothing listens at ${address}`),
    });
  });

  it('Transport.close closes its listeners and the connections it made', async () => {
    let server: Connection | undefined;
    const listener = await t.listen(undefined, (conn) => (server = conn));
    const client = await t.connect(listener.address);
    const c = recorder(client);
    await until(() => server !== undefined);
    await t.close();
    expect(client.closed).toBe(true);
    expect(server?.closed).toBe(true);
    expect(c.closes).toEqual([undefined]);
    expect(existsSync(listener.address.slice('ipc://'.length))).toBe(false);
  });

  it('sends a repeated token once: later calls on the connection carry its slot, not the token', async () => {
    const [client, server] = await pair(t);
    const rec = recorder(server);
    const caller = new RpcPeer(client);
    const token = 'tok.'.padEnd(45, 'k');
    const renewed = 'tok.'.padEnd(45, 'r');
    for (const tk of [token, token, token, renewed, renewed])
      void caller.call('m', [], { token: tk, timeoutMs: 2_000 }).catch(() => undefined);
    await until(() => rec.frames.length === 5);
    // As the server's carrier decoded them, before its RPC layer fills the token in.
    expect(
      rec.frames.map((f) => (f.t === 'call' ? [f.token, f.tokenSlot, f.bindsSlot] : f)),
    ).toEqual([
      [token, 0, true],
      ['', 0, undefined],
      ['', 0, undefined],
      [renewed, 1, true],
      ['', 1, undefined],
    ]);
    await caller.close();
  });
});
