import { ErrorCode, type Frame } from '@tessera/protocol';
import type { Connection, ConnectionHandler } from '../connection';
import { channelIdentityFrom, createChannelIdentity } from './channel-identity';
import { acceptChannel, handshakeTranscript, openChannel } from './handshake';
import { withChannelAuth } from './with-channel-auth';

/** Two in-memory ends; `tap` sees (and may rewrite or swallow) every frame. */
function pair(tap?: (from: 'a' | 'b', f: Frame) => Frame | undefined): [Connection, Connection] {
  const make = (
    name: 'a' | 'b',
  ): Connection & { other?: Connection & { h?: ConnectionHandler } } & {
    h?: ConnectionHandler;
    q: Frame[];
  } => {
    const c = {
      id: name,
      peer: {},
      closed: false,
      q: [] as Frame[],
      h: undefined as ConnectionHandler | undefined,
      other: undefined as (Connection & { h?: ConnectionHandler; q: Frame[] }) | undefined,
      send(f: Frame) {
        const out = tap ? tap(name, f) : f;
        if (!out || c.closed) return;
        const o = c.other!;
        queueMicrotask(() => (o.h ? o.h.onFrame(out) : o.q.push(out)));
      },
      attach(h: ConnectionHandler) {
        c.h = h;
        for (const f of c.q.splice(0)) h.onFrame(f);
      },
      async close() {
        if (c.closed) return;
        c.closed = true;
        c.other!.closed = true;
        c.h?.onClose();
        c.other!.h?.onClose();
      },
    };
    return c;
  };
  const a = make('a');
  const b = make('b');
  a.other = b;
  b.other = a;
  return [a, b];
}

describe('channel handshake', () => {
  it('proves both keys and hands frames sent right after it on, in order, after attach returns', async () => {
    const client = createChannelIdentity().identity;
    const server = createChannelIdentity().identity;
    const [c, s] = pair();
    const accepted = acceptChannel(s, { identity: server, authorize: () => 'alice' });
    const opened = await openChannel(c, { identity: client, serverKey: server.publicKey });
    expect(opened.peer).toEqual({ key: server.publicKey });
    opened.send({ t: 'cancel', id: 1 });
    opened.send({ t: 'cancel', id: 2 });
    const conn = await accepted;
    expect(conn.peer).toEqual({ module: 'alice', key: client.publicKey });
    const seen: Frame[] = [];
    await new Promise((r) => setTimeout(r, 5));
    conn.attach({ onFrame: (f) => seen.push(f), onClose: () => undefined });
    expect(seen).toEqual([]); // never inside attach: the layer above is still being built
    opened.send({ t: 'cancel', id: 3 }); // arrives after the kept ones
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([
      { t: 'cancel', id: 1 },
      { t: 'cancel', id: 2 },
      { t: 'cancel', id: 3 },
    ]);
  });

  it('a proof made for one server is refused by another (relay through a malicious module)', async () => {
    // Alice dials Mallory (she has a route to her). Mallory relays Alice's
    // hello to Bob, re-signs Bob's nonce as her own challenge so Alice
    // accepts her, and relays Alice's proof back to Bob, hoping it opens
    // Bob's door as Alice.
    const alice = createChannelIdentity().identity;
    const mallory = createChannelIdentity().identity;
    const bob = createChannelIdentity().identity;
    const [toBob, bobSide] = pair();
    const refused: string[] = [];
    const bobAccepts = acceptChannel(bobSide, { identity: bob, onRefused: (r) => refused.push(r) });
    let aliceNonce: Uint8Array | undefined;
    const [aliceSide, mallorySide] = pair((from, f) => {
      if (from === 'a' && f.t === 'control' && (f.op === 'hello' || f.op === 'proof')) {
        if (f.op === 'hello') aliceNonce = f.data?.['nonce'] as Uint8Array;
        toBob.send(f);
      }
      return f;
    });
    mallorySide.attach({ onFrame: () => undefined, onClose: () => undefined });
    toBob.attach({
      onFrame: (f) => {
        if (f.t !== 'control' || f.op !== 'challenge') return;
        const nonce = f.data?.['nonce'] as Uint8Array;
        mallorySide.send({
          t: 'control',
          op: 'challenge',
          data: {
            nonce,
            key: mallory.publicKey,
            sig: mallory.sign(handshakeTranscript('server', aliceNonce!, nonce, mallory.publicKey)),
          },
        });
      },
      onClose: () => undefined,
    });
    const aliceOpens = openChannel(aliceSide, { identity: alice, serverKey: mallory.publicKey });
    aliceOpens.catch(() => undefined);
    await expect(bobAccepts).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    expect(refused).toEqual([
      expect.stringMatching(/does not verify for this key and this server/),
    ]);
  });

  it('refuses a peer of another channel version, saying so (a version 1 peer cannot read token slots)', async () => {
    const server = createChannelIdentity().identity;
    const [c, s] = pair();
    const refused: string[] = [];
    const accepted = acceptChannel(s, { identity: server, onRefused: (r) => refused.push(r) });
    c.attach({ onFrame: () => undefined, onClose: () => undefined });
    c.send({ t: 'control', op: 'hello', data: { v: 1, nonce: new Uint8Array(32) } });
    await expect(accepted).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    expect(refused).toEqual([
      'hello speaks channel version 1, this end 2: upgrade the core and its hosts together',
    ]);
  });

  it('rebuilds an identity from its secret and refuses mismatched halves', () => {
    const a = createChannelIdentity();
    const b = createChannelIdentity();
    expect(channelIdentityFrom(a.secret).publicKey).toBe(a.secret.publicKey);
    expect(() =>
      channelIdentityFrom({ publicKey: b.secret.publicKey, privateKey: a.secret.privateKey }),
    ).toThrow(/does not match/);
    expect(() => channelIdentityFrom({ publicKey: 'x', privateKey: 'nope' })).toThrow(/Ed25519/);
  });

  it('tells onEnd listeners once the carrier is gone, and at once when it is gone already', async () => {
    const client = createChannelIdentity().identity;
    const server = createChannelIdentity().identity;
    const [c, s] = pair();
    const accepted = acceptChannel(s, { identity: server });
    const opened = await openChannel(c, { identity: client });
    await accepted;
    const ends: string[] = [];
    opened.onEnd(() => ends.push('before'));
    await s.close(); // the peer goes (a killed host)
    expect(ends).toEqual(['before']);
    opened.onEnd(() => ends.push('after'));
    expect(ends).toEqual(['before', 'after']);
  });

  it('withChannelAuth forgets a connection once it is gone: close() does not reach it', async () => {
    const client = createChannelIdentity().identity;
    const server = createChannelIdentity().identity;
    const raws: Connection[] = [];
    const servers: Connection[] = [];
    const transport = withChannelAuth(
      {
        kind: 'fake',
        listen: () => Promise.reject(new Error('unused')),
        async connect() {
          const [c, s] = pair();
          raws.push(c);
          servers.push(s);
          void acceptChannel(s, { identity: server });
          return c;
        },
        close: () => Promise.resolve(),
      },
      { identity: client },
    );
    await transport.connect('a');
    await transport.connect('b');
    await servers[0]!.close(); // the first peer dies
    const closes = raws.map((r) => jest.spyOn(r, 'close'));
    await transport.close();
    expect(closes[0]).not.toHaveBeenCalled(); // forgotten when it ended
    expect(closes[1]).toHaveBeenCalledTimes(1); // still open: closed with the transport
  });
});
