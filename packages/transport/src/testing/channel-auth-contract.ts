import { randomBytes } from 'node:crypto';
import { ErrorCode, type Frame, TesseraError } from '@tessera/protocol';
import { createChannelIdentity } from '../lib/channel-auth/channel-identity';
import {
  type ChannelAuthOptions,
  DEFAULT_HANDSHAKE_FRAME_BYTES,
  handshakeTranscript,
} from '../lib/channel-auth/handshake';
import { withChannelAuth } from '../lib/channel-auth/with-channel-auth';
import type { Connection, Transport } from '../lib/connection';
import { RpcPeer } from '../lib/rpc-peer';

async function rejection(p: Promise<unknown>): Promise<TesseraError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw new Error(`expected a TesseraError, got ${String(err)}`);
  }
  throw new Error('expected a rejection, but it resolved');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(10))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** A raw carrier connection that records what reaches it. */
function recording(conn: Connection) {
  const seen = {
    frames: [] as Frame[],
    closed: false,
    error: undefined as TesseraError | undefined,
  };
  conn.attach({
    onFrame: (f) => seen.frames.push(f),
    onClose: (error) => {
      seen.closed = true;
      seen.error = error;
    },
  });
  return seen;
}

/** Bytes well over the handshake frame limit, well under any carrier's own. */
const OVERSIZED = 16 * DEFAULT_HANDSHAKE_FRAME_BYTES;

/**
 * The channel handshake on a real carrier: each end proves its identity
 * key before any call passes, on every transport alike. `make` returns a
 * fresh transport of the kind under test (server and client share nothing).
 */
export function describeChannelAuthContract(name: string, make: () => Transport): void {
  describe(`channel handshake contract: ${name}`, () => {
    const open: { close(): Promise<void> }[] = [];
    const track = <T extends { close(): Promise<void> }>(x: T): T => (open.push(x), x);
    afterEach(async () => {
      for (const x of open.splice(0).reverse()) await x.close().catch(() => undefined);
    });

    /**
     * A server answering `whoami` with what the handshake proved about its
     * caller, and `echo` with its argument.
     */
    async function server(
      authorize?: (key: string) => string | undefined,
      more: Partial<ChannelAuthOptions> = {},
    ) {
      const id = createChannelIdentity().identity;
      const accepted: Connection[] = [];
      const refused: string[] = [];
      const transport = track(
        withChannelAuth(track(make()), {
          identity: id,
          ...(authorize ? { authorize } : {}),
          onRefused: (reason) => refused.push(reason),
          timeoutMs: 500,
          ...more,
        }),
      );
      const listener = await transport.listen(undefined, (conn) => {
        accepted.push(conn);
        track(
          new RpcPeer(conn, {
            handler: (call) => (call.method === 'echo' ? call.args[0] : { ...conn.peer }),
          }),
        );
      });
      track(listener);
      return { id, address: listener.address, accepted, refused };
    }

    function client(serverKey?: string) {
      const id = createChannelIdentity().identity;
      const transport = track(withChannelAuth(track(make()), { identity: id }));
      return {
        id,
        connect: async (address: string) =>
          track(new RpcPeer(await transport.connect(address, serverKey ? { serverKey } : {}))),
      };
    }

    it("hands on a connection only with the client's proven key and the identity it stands for", async () => {
      const a = client();
      const s = await server((key) => (key === a.id.publicKey ? 'alice' : undefined));
      const peer = await a.connect(s.address);
      await expect(peer.call('whoami', [])).resolves.toEqual({
        module: 'alice',
        key: a.id.publicKey,
      });
    });

    it('refuses a key the server does not admit, before any call reaches it', async () => {
      const s = await server(() => undefined);
      const err = await rejection(client().connect(s.address));
      expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(err.message).toMatch(/not admitted/);
      expect(s.accepted).toHaveLength(0);
      expect(s.refused).toEqual([expect.stringMatching(/not admitted/)]);
    });

    it('fails the client when the server does not hold the key its route names', async () => {
      const s = await server();
      const other = createChannelIdentity().identity.publicKey;
      const err = await rejection(client(other).connect(s.address));
      expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(err.message).toMatch(/the server holds key/);
      // ... and with the right key it works.
      const peer = await client(s.id.publicKey).connect(s.address);
      await expect(peer.call('whoami', [])).resolves.toMatchObject({ key: expect.any(String) });
    });

    it('drops a client that calls without a handshake, and one that never speaks', async () => {
      const s = await server();
      const rawTransport = track(make());
      const raw = track(new RpcPeer(await rawTransport.connect(s.address)));
      // The server closes it (UNAVAILABLE) or, on carriers without a close signal, never answers.
      const err = await rejection(raw.call('whoami', [], { timeoutMs: 1000 }));
      expect([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT]).toContain(err.code);
      track(await rawTransport.connect(s.address)); // connects, then says nothing
      for (let i = 0; i < 100 && s.refused.length < 2; i++)
        await new Promise((r) => setTimeout(r, 20)); // the 500 ms handshake deadline
      expect(s.accepted).toHaveLength(0);
      expect(s.refused).toEqual([
        expect.stringMatching(/a call frame before the handshake/),
        expect.stringMatching(/no handshake within 500 ms/),
      ]);
    });

    // Carriers with bytes on the wire implement `limitInbound`; the
    // in-process one hands objects over and has nothing to bound.
    it('drops a client whose first frame is over the handshake limit, unanswered', async () => {
      const s = await server();
      const rawTransport = track(make());
      const rawConn = track(await rawTransport.connect(s.address));
      const seen = recording(rawConn);
      // A well-formed hello, padded: the handshake itself would answer it.
      const pad = new Uint8Array(OVERSIZED);
      rawConn.send({
        t: 'control',
        op: 'hello',
        data: { v: 1, nonce: randomBytes(32), pad },
      });
      if (typeof rawConn.limitInbound === 'function') {
        await until('the server to drop the connection', () => seen.closed);
        expect(seen.frames).toEqual([]); // no challenge: it never reached the handshake
        expect(s.refused).toEqual([
          expect.stringMatching(/dropped during the handshake: .*exceeds/),
        ]);
      }
      expect(s.accepted).toHaveLength(0);
      // Others still get in, and past the handshake big frames pass both ways.
      const peer = await client(s.id.publicKey).connect(s.address);
      const big = 'x'.repeat(OVERSIZED);
      await expect(peer.call('echo', [big])).resolves.toBe(big);
    });

    it('fails the client when the server sends a frame over the handshake limit', async () => {
      // A server speaking the handshake correctly, but with a padded challenge.
      const serverId = createChannelIdentity().identity;
      const rawTransport = track(make());
      let limited = false;
      const listener = track(
        await rawTransport.listen(undefined, (conn) => {
          limited = typeof conn.limitInbound === 'function';
          const sN = randomBytes(32);
          conn.attach({
            onFrame: (f) => {
              if (f.t !== 'control') return;
              if (f.op === 'hello') {
                const cN = f.data?.['nonce'] as Uint8Array;
                const key = serverId.publicKey;
                const sig = serverId.sign(handshakeTranscript('server', cN, sN, key));
                const pad = new Uint8Array(OVERSIZED);
                conn.send({ t: 'control', op: 'challenge', data: { nonce: sN, key, sig, pad } });
              } else if (f.op === 'proof') {
                conn.send({ t: 'control', op: 'welcome', data: {} });
              }
            },
            onClose: () => undefined,
          });
        }),
      );
      const opened = client(serverId.publicKey).connect(listener.address);
      const outcome = await opened.then(
        () => undefined,
        (err: unknown) => err,
      );
      if (!limited) return expect(outcome).toBeUndefined();
      const err = await rejection(Promise.reject(outcome));
      expect(err.code).toBe(ErrorCode.UNAVAILABLE);
      expect(err.message).toMatch(/closed during the channel handshake: .*exceeds/);
    });

    it('refuses connections beyond maxPendingHandshakes until a slot frees', async () => {
      const s = await server(undefined, { maxPendingHandshakes: 2, timeoutMs: 10_000 });
      const rawTransport = track(make());
      const silent = [
        track(await rawTransport.connect(s.address)),
        track(await rawTransport.connect(s.address)),
      ];
      // The third is refused at once (not after the handshake timeout), and told why.
      const legit = client(s.id.publicKey);
      const err = await rejection(legit.connect(s.address));
      expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(err.message).toMatch(/too many handshakes in progress \(2\)/);
      expect(s.refused).toEqual(['too many handshakes in progress (2)']);
      // One silent client leaves: its slot is free again.
      await silent[0]!.close();
      let peer: RpcPeer | undefined;
      for (const end = Date.now() + 2000; !peer; await sleep(20)) {
        peer = await legit.connect(s.address).catch((e: unknown) => {
          if (Date.now() > end) throw e;
          return undefined;
        });
      }
      await expect(peer.call('whoami', [])).resolves.toMatchObject({ key: legit.id.publicKey });
      expect(s.accepted).toHaveLength(1);
    });
  });
}
