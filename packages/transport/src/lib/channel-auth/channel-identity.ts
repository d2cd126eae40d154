import {
  type KeyObject,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import { TesseraError } from '@tessera/protocol';

/**
 * An Ed25519 identity: the key a connection proves in the channel
 * handshake and that grants are bound to. `publicKey` is the raw 32-byte
 * public key in base64url (43 characters), the form every key ring, grant
 * and route carries.
 */
export interface ChannelIdentity {
  readonly publicKey: string;
  sign(data: Uint8Array): Buffer;
}

/**
 * What travels, once, over the private fork channel to a module host so it
 * can rebuild its {@link ChannelIdentity}. Never argv, env or a file.
 */
export interface ChannelIdentitySecret {
  publicKey: string;
  /** PKCS#8 DER, base64url. */
  privateKey: string;
}

/** A fresh identity key pair (about 50 µs), with the secret to hand to its host. */
export function createChannelIdentity(): {
  identity: ChannelIdentity;
  secret: ChannelIdentitySecret;
} {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const secret: ChannelIdentitySecret = {
    publicKey: rawPublicKey(publicKey),
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url'),
  };
  return { identity: identityOf(privateKey, secret.publicKey), secret };
}

/** Rebuild an identity from its secret; `INVALID_ARGUMENT` if the two halves do not belong together. */
export function channelIdentityFrom(secret: ChannelIdentitySecret): ChannelIdentity {
  let key: KeyObject;
  try {
    key = createPrivateKey({
      key: Buffer.from(secret.privateKey, 'base64url'),
      format: 'der',
      type: 'pkcs8',
    });
  } catch {
    throw TesseraError.invalidArgument('identity secret is not an Ed25519 PKCS#8 key');
  }
  if (
    key.asymmetricKeyType !== 'ed25519' ||
    rawPublicKey(createPublicKey(key)) !== secret.publicKey
  )
    throw TesseraError.invalidArgument('identity secret does not match its public key');
  return identityOf(key, secret.publicKey);
}

/** True when `sig` is `publicKey`'s Ed25519 signature of `data`; false for any malformed input. */
export function verifyChannelSignature(
  publicKey: string,
  data: Uint8Array,
  sig: Uint8Array,
): boolean {
  const key = publicKeyObject(publicKey);
  if (!key || sig.length !== 64) return false;
  try {
    return verify(null, data, key, sig);
  } catch {
    return false;
  }
}

/** True for the shape of a channel identity key (43 base64url characters). */
export function isChannelKey(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

function identityOf(key: KeyObject, publicKey: string): ChannelIdentity {
  return { publicKey, sign: (data) => sign(null, data, key) };
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return jwk.x as string;
}

// Parsed public keys, so a peer that reconnects is not parsed again. Bounded.
const parsed = new Map<string, KeyObject>();
const MAX_PARSED = 4096;

function publicKeyObject(publicKey: string): KeyObject | undefined {
  let key = parsed.get(publicKey);
  if (key) return key;
  if (!isChannelKey(publicKey)) return undefined;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(publicKey, key);
  return key;
}
