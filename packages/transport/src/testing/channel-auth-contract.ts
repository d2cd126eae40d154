import { ErrorCode, TesseraError } from '@tessera/protocol';
import { createChannelIdentity } from '../lib/channel-auth/channel-identity';
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

    /** A server answering `whoami` with what the handshake proved about its caller. */
    async function server(authorize?: (key: string) => string | undefined) {
      const id = createChannelIdentity().identity;
      const accepted: Connection[] = [];
      const refused: string[] = [];
      const transport = track(
        withChannelAuth(track(make()), {
          identity: id,
          ...(authorize ? { authorize } : {}),
          onRefused: (reason) => refused.push(reason),
          timeoutMs: 500,
        }),
      );
      const listener = await transport.listen(undefined, (conn) => {
        accepted.push(conn);
        track(new RpcPeer(conn, { handler: () => ({ ...conn.peer }) }));
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
  });
}
