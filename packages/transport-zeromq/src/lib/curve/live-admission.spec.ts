import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import type { Connection } from '@tessera/transport';
import { Dealer } from 'zeromq';
import { CARRIER_VERSION, Tag, controlBody, controlMessage } from '../wire/carrier-message';
import { ZeroMqTransport } from '../zeromq-transport';
import { curveProof } from './curve-proof';
import { generateKeyPair } from './key-pair';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function receiveWithin(socket: Dealer, ms: number): Promise<Buffer | undefined> {
  socket.receiveTimeout = ms;
  try {
    const [body] = await socket.receive();
    return body;
  } catch {
    return undefined;
  }
}

/**
 * Every handshake step asks the live authorize function: a key revoked
 * after ZAP let its CURVE session in (or after an earlier session) is
 * refused at the next step, never admitted from a memory of old answers.
 */
describe('zeromq CURVE: every handshake step asks authorize live', () => {
  const serverKeys = generateKeyPair();
  const alice = generateKeyPair();
  const bob = generateKeyPair();
  let live: Map<string, string>;
  /** Keys to revoke right after ZAP's answer, before the client's HELLO arrives. */
  let revokeAfterZap: Set<string>;
  let server: ZeroMqTransport;
  let address: string;
  let accepted: Connection[];
  const clients: ZeroMqTransport[] = [];
  const raw: Dealer[] = [];

  beforeEach(async () => {
    live = new Map([
      [alice.publicKey, 'module-alice'],
      [bob.publicKey, 'module-bob'],
    ]);
    revokeAfterZap = new Set();
    accepted = [];
    server = new ZeroMqTransport({
      logger: quiet,
      curve: {
        ...serverKeys,
        authorize: (key) => {
          const identity = live.get(key);
          if (revokeAfterZap.delete(key)) queueMicrotask(() => live.delete(key));
          return identity;
        },
      },
    });
    address = (await server.listen('tcp://127.0.0.1:0', (conn) => accepted.push(conn))).address;
  });

  afterEach(async () => {
    for (const d of raw.splice(0)) d.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  const client = (keys: { publicKey: string; secretKey: string }) => {
    const t = new ZeroMqTransport({
      logger: quiet,
      curve: { ...keys, serverKey: serverKeys.publicKey },
    });
    clients.push(t);
    return t;
  };

  it('refuses a key revoked between the ZAP decision and the HELLO', async () => {
    revokeAfterZap.add(alice.publicKey);
    const code = await codeOf(client(alice).connect(address, { timeoutMs: 2_000 }));
    expect(code).toMatch(/UNAVAILABLE|TIMEOUT/);
    expect(accepted).toHaveLength(0);
  });

  it('refuses a revoked key named in HELLO over another admitted CURVE session, even with a valid proof', async () => {
    await client(bob).connect(address); // ZAP and the handshake have seen bob
    live.delete(bob.publicKey); // then bob is revoked (spent, expired, replaced)
    const d = new Dealer({
      linger: 0,
      curveServerKey: serverKeys.publicKey,
      curvePublicKey: alice.publicKey,
      curveSecretKey: alice.secretKey,
    });
    raw.push(d);
    d.connect(address);
    await d.send(controlMessage(Tag.HELLO, { v: CARRIER_VERSION, key: bob.publicKey }));
    const answer = await receiveWithin(d, 2_000);
    if (answer?.[0] === Tag.CHALLENGE) {
      // Only reachable if HELLO was judged from memory: finish with bob's real secret.
      const nonce = Buffer.from(String(controlBody(answer, 1)?.['nonce']), 'base64');
      const mac = curveProof(bob.secretKey, bob.publicKey, serverKeys.publicKey, [
        nonce,
        Buffer.from(serverKeys.publicKey),
        Buffer.from(bob.publicKey),
      ]);
      await d.send(controlMessage(Tag.PROOF, { mac: mac.toString('base64') }));
      await receiveWithin(d, 2_000);
    }
    expect(answer?.[0]).toBe(Tag.REJECT);
    expect(accepted.map((c) => c.peer.module)).toEqual(['module-bob']); // the first session only
  });

  it('admits a key again as soon as authorize does, and refuses it once it does not', async () => {
    live.delete(alice.publicKey);
    expect(await codeOf(client(alice).connect(address, { timeoutMs: 1_500 }))).toBe(
      ErrorCode.UNAVAILABLE,
    );
    live.set(alice.publicKey, 'module-alice');
    await client(alice).connect(address);
    expect(accepted.map((c) => c.peer.module)).toEqual(['module-alice']);
  });
});
