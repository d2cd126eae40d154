import { ErrorCode } from '@tessera/protocol';
import type { Connection } from '@tessera/transport';
import { Dealer } from 'zeromq';
import { curveProof } from './curve/curve-proof';
import { generateKeyPair } from './curve/key-pair';
import { CARRIER_VERSION, Tag, controlBody, controlMessage } from './wire/carrier-message';
import { ZeroMqTransport } from './zeromq-transport';
import { codeOf } from '@tessera/protocol/testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Receive one message or `undefined` after `ms`. */
async function receiveWithin(socket: Dealer, ms: number): Promise<Buffer | undefined> {
  socket.receiveTimeout = ms;
  try {
    const [body] = await socket.receive();
    return body;
  } catch {
    return undefined;
  }
}

describe('zeromq CURVE + ZAP', () => {
  const serverKeys = generateKeyPair();
  const alice = generateKeyPair();
  const bob = generateKeyPair();
  const stranger = generateKeyPair();
  const modules = new Map([
    [alice.publicKey, 'module-alice'],
    [bob.publicKey, 'module-bob'],
  ]);
  let server: ZeroMqTransport;
  let address: string;
  let accepted: Connection[];
  let asked: string[];
  const clients: ZeroMqTransport[] = [];
  const raw: Dealer[] = [];

  const client = (options: ConstructorParameters<typeof ZeroMqTransport>[0]): ZeroMqTransport => {
    const t = new ZeroMqTransport({ logger: quiet, ...options });
    clients.push(t);
    return t;
  };
  const rawDealer = (options: ConstructorParameters<typeof Dealer>[0] = {}): Dealer => {
    const d = new Dealer({ linger: 0, ...options });
    raw.push(d);
    d.connect(address);
    return d;
  };

  beforeEach(async () => {
    accepted = [];
    asked = [];
    server = new ZeroMqTransport({
      logger: quiet,
      curve: { ...serverKeys, authorize: (key) => (asked.push(key), modules.get(key)) },
    });
    const listener = await server.listen('tcp://127.0.0.1:0', (conn) => accepted.push(conn));
    address = listener.address;
  });

  afterEach(async () => {
    for (const d of raw.splice(0)) d.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  it('resolves tcp://127.0.0.1:0 to the real port', () => {
    expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });

  it('binds an authorized client to {key, module} from ZAP on the server side', async () => {
    const conn = await client({ curve: { ...alice, serverKey: serverKeys.publicKey } }).connect(
      address,
    );
    expect(conn.peer).toEqual({ key: serverKeys.publicKey });
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.peer).toEqual({ key: alice.publicKey, module: 'module-alice' });
    expect(new Set(asked)).toEqual(new Set([alice.publicKey])); // asked live at ZAP, HELLO and PROOF
  });

  it('refuses a client key that authorize does not know, quickly, before any application data', async () => {
    const started = Date.now();
    const code = await codeOf(
      client({ curve: { ...stranger, serverKey: serverKeys.publicKey } }).connect(address),
    );
    expect(code).toBe(ErrorCode.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(asked).toContain(stranger.publicKey);
    expect(accepted).toHaveLength(0);
  });

  it('refuses a client that has the server key but no key pair of its own', async () => {
    const noKeys = client({ curve: { serverKey: serverKeys.publicKey } as never });
    expect(await codeOf(noKeys.connect(address))).toBe(ErrorCode.INVALID_ARGUMENT);
    const d = rawDealer({ curveServerKey: serverKeys.publicKey });
    await d.send(controlMessage(Tag.HELLO, { v: CARRIER_VERSION }));
    expect(await receiveWithin(d, 500)).toBeUndefined();
    expect(accepted).toHaveLength(0);
  });

  it('refuses a hello of another carrier version (version 1 cannot read token slots)', async () => {
    const d = rawDealer({
      curveServerKey: serverKeys.publicKey,
      curvePublicKey: bob.publicKey,
      curveSecretKey: bob.secretKey,
    });
    await d.send(controlMessage(Tag.HELLO, { v: 1, key: bob.publicKey }));
    const reply = await receiveWithin(d, 2_000);
    expect(reply).toBeDefined();
    expect(String(reply)).toContain('hello speaks carrier version 1, this server 2');
    expect(accepted).toHaveLength(0);
  });

  it('refuses a plain (non-CURVE) client', async () => {
    const code = await codeOf(client({ curve: false }).connect(address, { timeoutMs: 1_500 }));
    expect(code).toBe(ErrorCode.UNAVAILABLE);
    const d = rawDealer();
    await d.send(controlMessage(Tag.HELLO, { v: CARRIER_VERSION }));
    expect(await receiveWithin(d, 300)).toBeUndefined();
    expect(accepted).toHaveLength(0);
    expect(asked).toHaveLength(0);
  });

  it('does not let an authorized client claim another authorized key', async () => {
    await client({ curve: { ...bob, serverKey: serverKeys.publicKey } }).connect(address); // ZAP has seen bob
    const d = rawDealer({
      curveServerKey: serverKeys.publicKey,
      curvePublicKey: alice.publicKey,
      curveSecretKey: alice.secretKey,
    });
    await d.send(controlMessage(Tag.HELLO, { v: CARRIER_VERSION, key: bob.publicKey }));
    const challenge = await receiveWithin(d, 2_000);
    expect(challenge?.[0]).toBe(Tag.CHALLENGE);
    const nonce = Buffer.from(String(controlBody(challenge as Buffer, 1)?.['nonce']), 'base64');
    // Alice can only compute a proof with her own secret; it does not prove bob's key.
    const mac = curveProof(alice.secretKey, alice.publicKey, serverKeys.publicKey, [
      nonce,
      Buffer.from(serverKeys.publicKey),
      Buffer.from(bob.publicKey),
    ]);
    await d.send(controlMessage(Tag.PROOF, { mac: mac.toString('base64') }));
    const answer = await receiveWithin(d, 2_000);
    expect(answer?.[0]).toBe(Tag.REJECT);
    expect(accepted.map((c) => c.peer.module)).toEqual(['module-bob']);
  });

  it('refuses to listen without authorize, and on tcp:// without keys unless curve is false', async () => {
    const noAuth = client({ curve: { ...serverKeys } });
    expect(await codeOf(noAuth.listen('tcp://127.0.0.1:0', () => undefined))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    const none = client({});
    expect(await codeOf(none.listen('tcp://127.0.0.1:0', () => undefined))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(await codeOf(none.connect(address))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(none.listen('udp://x', () => undefined))).toBe(ErrorCode.INVALID_ARGUMENT);
    const warnings: string[] = [];
    const insecure = client({ curve: false, logger: { ...quiet, warn: (m) => warnings.push(m) } });
    const listener = await insecure.listen('tcp://127.0.0.1:0', () => undefined);
    expect(listener.address).toMatch(/^tcp:\/\//);
    expect(warnings.join()).toMatch(/WITHOUT CURVE/);
  });
});
