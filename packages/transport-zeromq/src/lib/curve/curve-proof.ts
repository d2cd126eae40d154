import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { TesseraError } from '@tessera/protocol';
import { decodeCurveKey } from './z85';

const LABEL = 'tessera/zeromq/curve-proof/v1';

/**
 * Why a proof at all: zeromq.js does not expose the per-message ZAP
 * `User-Id`, and a Router's routing ids are chosen by the client, so the
 * ZAP decision cannot be tied to a routing id by ZeroMQ alone. The client
 * therefore proves, inside the CURVE-encrypted session, that it holds the
 * secret half of the key it claims: both sides compute the X25519 secret
 * between the client and server long-term keys (the same Curve25519 keys
 * CURVE uses) and the client MACs the server's fresh challenge with it.
 * Only the holder of the client's (or the server's) secret key can do that,
 * so a client admitted by ZAP under its own key cannot claim another one.
 */
export function curveProof(
  ownSecret: string,
  ownPublic: string,
  otherPublic: string,
  transcript: Buffer[],
): Buffer {
  const shared = diffieHellman({
    privateKey: privateKey(ownSecret, ownPublic),
    publicKey: publicKey(otherPublic),
  });
  const mac = createHmac('sha256', shared).update(LABEL);
  for (const part of transcript) mac.update(part);
  return mac.digest();
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: Buffer, received: unknown): boolean {
  return (
    Buffer.isBuffer(received) &&
    received.length === expected.length &&
    timingSafeEqual(expected, received)
  );
}

function privateKey(secret: string, pub: string): KeyObject {
  const d = decodeCurveKey(secret);
  const x = decodeCurveKey(pub);
  if (!d || !x) throw TesseraError.invalidArgument('curve keys must be 40-character Z85 strings');
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: d.toString('base64url'), x: x.toString('base64url') },
    format: 'jwk',
  });
}

function publicKey(pub: string): KeyObject {
  const x = decodeCurveKey(pub);
  if (!x) throw TesseraError.invalidArgument('curve public key must be a 40-character Z85 string');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: x.toString('base64url') },
    format: 'jwk',
  });
}
