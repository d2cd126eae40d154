import { encodeFrame } from '@tessera/protocol';
import { RpcPeer, type Connection } from '@tessera/transport';
import { Dealer } from 'zeromq';
import {
  CARRIER_VERSION,
  SESSION_BYTES,
  Tag,
  controlBody,
  controlMessage,
} from './wire/carrier-message';
import { ZeroMqTransport } from './zeromq-transport';

async function receiveWithin(socket: Dealer, ms: number): Promise<Buffer | undefined> {
  socket.receiveTimeout = ms;
  try {
    return (await socket.receive())[0];
  } catch {
    return undefined;
  }
}

/** A hand-made client: does the (non-CURVE) handshake and returns its session. */
async function rawSession(
  address: string,
  raw: Dealer[],
): Promise<{ dealer: Dealer; session: Buffer }> {
  const dealer = new Dealer({ linger: 0 });
  raw.push(dealer);
  dealer.connect(address);
  await dealer.send(controlMessage(Tag.HELLO, { v: CARRIER_VERSION }));
  const welcome = await receiveWithin(dealer, 2_000);
  expect(welcome?.[0]).toBe(Tag.WELCOME);
  const session = Buffer.from(String(controlBody(welcome as Buffer, 1)?.['session']), 'base64');
  expect(session).toHaveLength(SESSION_BYTES);
  return { dealer, session };
}

function dataMessage(session: Buffer, frame: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(frame.length);
  return Buffer.concat([Buffer.from([Tag.DATA]), session, len, frame]);
}

describe('zeromq: malformed input from one peer', () => {
  const warnings: string[] = [];
  const raw: Dealer[] = [];
  let server: ZeroMqTransport;
  let client: ZeroMqTransport;
  let address: string;
  let good: RpcPeer;
  const accepted: Connection[] = [];

  beforeEach(async () => {
    warnings.length = 0;
    accepted.length = 0;
    server = new ZeroMqTransport({
      maxFrameBytes: 1024,
      logger: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined },
    });
    const watched = await server.listen(undefined, (conn) => {
      accepted.push(conn);
      new RpcPeer(conn, { handler: (c) => c.args[0] });
    });
    address = watched.address;
    client = new ZeroMqTransport();
    good = new RpcPeer(await client.connect(address));
  });

  afterEach(async () => {
    for (const d of raw.splice(0)) d.close();
    await good.close();
    await client.close();
    await server.close();
  });

  it('drops a peer that sends a non-msgpack frame, and keeps serving the others', async () => {
    const { dealer, session } = await rawSession(address, raw);
    expect(accepted).toHaveLength(2);
    const victim = accepted[1] as Connection;
    await dealer.send(dataMessage(session, Buffer.from([0xc1, 0xff, 0x00])));
    const reject = await receiveWithin(dealer, 2_000);
    expect(reject?.[0]).toBe(Tag.REJECT);
    expect(String(controlBody(reject as Buffer, 1)?.['reason'])).toMatch(/malformed frame/);
    expect(victim.closed).toBe(true);
    expect(warnings.join('\n')).toMatch(/dropping peer: malformed frame/);
    await expect(good.call('echo', ['still served'])).resolves.toBe('still served');
    // The dropped session is gone: a well-formed frame on it is refused too.
    await dealer.send(
      dataMessage(session, encodeFrame({ t: 'call', id: 1, token: '', method: 'x', args: [] })),
    );
    expect(await receiveWithin(dealer, 300)).toBeUndefined();
  });

  it('drops a peer whose frame exceeds maxFrameBytes, a truncated batch, or data outside a session', async () => {
    const big = await rawSession(address, raw);
    // Over the frame limit but under libzmq's message limit (which would cut the pipe itself).
    await big.dealer.send(dataMessage(big.session, Buffer.alloc(1_050)));
    const reject = await receiveWithin(big.dealer, 2_000);
    expect(reject?.[0]).toBe(Tag.REJECT);
    expect(String(controlBody(reject as Buffer, 1)?.['reason'])).toMatch(
      /exceeds the 1024 byte limit/,
    );

    const cut = await rawSession(address, raw);
    await cut.dealer.send(
      Buffer.concat([Buffer.from([Tag.DATA]), cut.session, Buffer.from([0, 0, 0, 9, 1])]),
    );
    expect((await receiveWithin(cut.dealer, 2_000))?.[0]).toBe(Tag.REJECT);

    const stranger = new Dealer({ linger: 0 });
    raw.push(stranger);
    stranger.connect(address);
    await stranger.send(
      dataMessage(Buffer.alloc(SESSION_BYTES), encodeFrame({ t: 'control', op: 'ping' })),
    );
    expect((await receiveWithin(stranger, 2_000))?.[0]).toBe(Tag.REJECT);

    expect(warnings.filter((w) => w.includes('dropping peer'))).toHaveLength(3);
    await expect(good.call('echo', [42])).resolves.toBe(42);
  });
});
