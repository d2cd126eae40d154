import { join } from 'node:path';
import type { Socket } from 'node:net';
import { ErrorCode, type Frame, type TesseraError, encodeFrame } from '@tessera/protocol';
import {
  type Connection,
  type Listener,
  RpcPeer,
  createChannelIdentity,
  withChannelAuth,
} from '@tessera/transport';
import { closedOf, prefixed, rawConnect, tick } from '../../test/raw-socket';
import { tempRoot } from '../../test/temp-dir';
import { IpcTransport } from './ipc-transport';

const dir = tempRoot('limits');
afterAll(() => dir.cleanup());

async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await tick(5))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** Counts the bytes a raw socket receives. */
function received(socket: Socket): { bytes: number } {
  const seen = { bytes: 0 };
  socket.on('data', (chunk: Buffer) => (seen.bytes += chunk.length));
  return seen;
}

describe('ipc: the channel handshake bounds unproven peers', () => {
  const warnings: string[] = [];
  const refused: string[] = [];
  const open: { close(): Promise<void> }[] = [];
  const sockets: Socket[] = [];
  let listener: Listener;
  let serverKey: string;

  const logger = {
    info: () => undefined,
    warn: (message: string) => void warnings.push(message),
    error: () => undefined,
  };

  beforeEach(async () => {
    warnings.length = 0;
    refused.length = 0;
    const id = createChannelIdentity().identity;
    serverKey = id.publicKey;
    const server = withChannelAuth(
      new IpcTransport({ runtimeDir: join(dir.root, 'run'), logger, maxFrameBytes: 4 << 20 }),
      { identity: id, owns: true, timeoutMs: 3_000, onRefused: (r) => void refused.push(r) },
    );
    open.push(server);
    listener = await server.listen(undefined, (conn) => {
      open.push(
        new RpcPeer(conn, { handler: (call) => (call.method === 'echo' ? call.args[0] : null) }),
      );
    });
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const x of open.splice(0).reverse()) await x.close().catch(() => undefined);
  });

  async function raw(): Promise<Socket> {
    const s = await rawConnect(listener.address);
    s.on('error', () => undefined);
    sockets.push(s);
    return s;
  }

  async function legit(): Promise<RpcPeer> {
    const t = withChannelAuth(new IpcTransport({ logger, maxFrameBytes: 4 << 20 }), {
      identity: createChannelIdentity().identity,
      owns: true,
    });
    open.push(t);
    const peer = new RpcPeer(await t.connect(listener.address, { serverKey }));
    open.push(peer);
    return peer;
  }

  it('drops a peer on the length prefix of an oversized frame, before its payload is sent', async () => {
    const socket = await raw();
    const head = Buffer.alloc(4);
    head.writeUInt32BE(8 * 1024 * 1024, 0);
    socket.write(head); // announces 8 MiB, sends none of it: only the prefix can be judged
    const t0 = Date.now();
    await closedOf(socket);
    expect(Date.now() - t0).toBeLessThan(1_000); // not the 3 s handshake timeout
    expect(warnings).toEqual([
      expect.stringMatching(/frame length prefix 8388608 exceeds maxFrameBytes 4096/),
    ]);
    expect(refused).toEqual([
      expect.stringMatching(/dropped during the handshake: frame length prefix 8388608/),
    ]);
    // A proven peer gets the transport's own limit (4 MiB here), both ways.
    const peer = await legit();
    const big = Buffer.alloc(3 << 20, 7);
    const back = await peer.call('echo', [big]);
    expect(Buffer.isBuffer(back) && back.equals(big)).toBe(true);
  });

  it('drops a peer whose valid hello is followed, in the same write, by an oversized frame', async () => {
    // The hello reaches the handshake; the next prefix is over the limit and ends it.
    const socket = await raw();
    const hello = encodeFrame({
      t: 'control',
      op: 'hello',
      data: { v: 2, nonce: Buffer.alloc(32, 1) }, // the channel version
    });
    const big = encodeFrame({
      t: 'call',
      id: 1,
      token: '',
      method: 'echo',
      args: ['x'.repeat(1 << 20)],
    });
    socket.write(Buffer.concat([prefixed(hello), prefixed(big)]));
    await closedOf(socket);
    expect(warnings).toEqual([expect.stringMatching(/exceeds maxFrameBytes 4096/)]);
    expect(refused).toEqual([expect.stringMatching(/dropped during the handshake/)]);
  });

  it('refuses the 65th pending handshake at once, and lets a client in once a slot frees', async () => {
    const silent: Socket[] = [];
    for (let i = 0; i < 64; i++) silent.push(await raw());
    const extra = await raw();
    const seen = received(extra);
    await closedOf(extra);
    expect(seen.bytes).toBeGreaterThan(0); // it was told (`refused`), not just cut off
    await expect(legit()).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      message: expect.stringMatching(/too many handshakes in progress \(64\)/),
    });
    expect(refused).toEqual([
      'too many handshakes in progress (64)',
      'too many handshakes in progress (64)',
    ]);
    silent[0]!.destroy();
    let peer: RpcPeer | undefined;
    for (const end = Date.now() + 2000; !peer; await tick(20)) {
      peer = await legit().catch((e: unknown) => {
        if (Date.now() > end) throw e;
        return undefined;
      });
    }
    await expect(peer.call('echo', ['in'])).resolves.toBe('in');
  });
});

describe('IpcConnection.limitInbound', () => {
  it('lowers the inbound limit, never raises it above the transport limit, and restores it', async () => {
    const t = new IpcTransport({
      runtimeDir: join(dir.root, 'run2'),
      maxFrameBytes: 64 * 1024,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const sender = new IpcTransport(); // default (16 MiB) limit: it may send what t refuses
    const serverSide: Connection[] = [];
    const listener = await t.listen(undefined, (c) => void serverSide.push(c));
    const frames: Frame[] = [];
    const closes: (TesseraError | undefined)[] = [];
    const send = async (limit: number | undefined, bytes: number) => {
      const client = await sender.connect(listener.address);
      await until('accept', () => serverSide.length > 0);
      const server = serverSide.pop()!;
      server.limitInbound?.(limit);
      server.attach({ onFrame: (f) => frames.push(f), onClose: (e) => closes.push(e) });
      client.send({ t: 'event', source: 's', name: 'n', payload: 'x'.repeat(bytes) });
      await client.close();
      await until('close', () => closes.length > 0);
      return closes.pop();
    };
    expect(await send(1024, 2000)).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED });
    expect(await send(1 << 30, 100_000)).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED });
    expect(await send(undefined, 60_000)).toBeUndefined();
    expect(frames).toHaveLength(1);
    await sender.close();
    await t.close();
  });
});
