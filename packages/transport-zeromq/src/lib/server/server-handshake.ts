import { randomBytes } from 'node:crypto';
import type { PeerIdentity } from '@tessera/transport';
import { curveProof, proofMatches } from '../curve/curve-proof';
import type { ServerCurve } from '../curve/curve-policy';
import type { ZapDomain } from '../curve/zap-handler';
import { CARRIER_VERSION, Tag, controlBody, controlMessage } from '../wire/carrier-message';

/** What the listener should do with a handshake message. */
export type HandshakeStep =
  | { kind: 'reply'; message: Buffer }
  | { kind: 'admit'; peer: PeerIdentity }
  | { kind: 'reject'; reason: string };

interface Challenge {
  key: string;
  nonce: Buffer;
  at: number;
}

const MAX_PENDING = 1024;

/**
 * The carrier handshake on the server side. Without CURVE: HELLO → admit.
 * With CURVE: HELLO{key} must name a key ZAP admitted on this listener,
 * then the client must answer a fresh CHALLENGE with a proof that it holds
 * that key's secret (see `curve-proof.ts`), and only then is it admitted as
 * `{key, module}` with the module identity ZAP bound to the key.
 */
export class ServerHandshake {
  private readonly pending = new Map<string, Challenge>();

  constructor(
    private readonly curve: ServerCurve | undefined,
    private readonly zap: ZapDomain | undefined,
  ) {}

  onHello(routing: string, message: Buffer): HandshakeStep {
    const body = controlBody(message, 1);
    if (!body) return { kind: 'reject', reason: 'malformed hello' };
    if (body['v'] !== CARRIER_VERSION)
      return {
        kind: 'reject',
        reason: `hello speaks carrier version ${String(body['v']).slice(0, 16)}, this server ${CARRIER_VERSION}: upgrade the core and its hosts together`,
      };
    if (!this.curve || !this.zap) return { kind: 'admit', peer: {} };
    const key = body['key'];
    if (typeof key !== 'string' || !this.zap.admitted.has(key)) {
      return { kind: 'reject', reason: 'hello names a key the server did not authenticate' };
    }
    if (this.pending.size >= MAX_PENDING)
      return { kind: 'reject', reason: 'too many handshakes in progress' };
    const nonce = randomBytes(32);
    this.pending.set(routing, { key, nonce, at: Date.now() });
    return {
      kind: 'reply',
      message: controlMessage(Tag.CHALLENGE, { nonce: nonce.toString('base64') }),
    };
  }

  onProof(routing: string, message: Buffer): HandshakeStep {
    const challenge = this.pending.get(routing);
    this.pending.delete(routing);
    const body = controlBody(message, 1);
    if (!challenge || !this.curve || !this.zap || !body || typeof body['mac'] !== 'string') {
      return { kind: 'reject', reason: 'unexpected or malformed proof' };
    }
    const expected = curveProof(this.curve.secretKey, this.curve.publicKey, challenge.key, [
      challenge.nonce,
      Buffer.from(this.curve.publicKey),
      Buffer.from(challenge.key),
    ]);
    if (!proofMatches(expected, Buffer.from(body['mac'], 'base64'))) {
      return { kind: 'reject', reason: 'key proof does not match' };
    }
    const module = this.zap.admitted.get(challenge.key);
    if (module === undefined) return { kind: 'reject', reason: 'key no longer admitted' };
    return { kind: 'admit', peer: { key: challenge.key, module } };
  }

  /** Forget challenges older than `maxAgeMs`. */
  expire(now: number, maxAgeMs: number): void {
    for (const [routing, c] of this.pending) {
      if (now - c.at > maxAgeMs) this.pending.delete(routing);
    }
  }
}
