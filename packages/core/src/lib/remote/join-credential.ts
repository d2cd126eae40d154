import { TesseraError, isValidName } from '@tessera/protocol';
import type { ModuleFacts } from '@tessera/policy';

/**
 * What an operator hands a remote host so it can join once: where the core
 * is, the core's public key, the module it may host, and a one-time CURVE
 * key pair the core admitted for joining only. Treat it like a password.
 */
export interface JoinCredential {
  v: 1;
  core: string;
  coreKey: string;
  module: string;
  publicKey: string;
  secretKey: string;
  expiresAt: number;
  /**
   * The facts the core pinned for the module, so a host whose package
   * differs is told before it spends the credential. Informational: the
   * core checks its own copy at attach.
   */
  facts?: ModuleFacts;
}

const PREFIX = 'tessera-join.';

/** Serialize a credential as `tessera-join.<base64url JSON>`, the text an operator hands over. */
export function encodeJoinCredential(c: JoinCredential): string {
  return PREFIX + Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** Parse and shape-check a credential (expiry is checked by the caller); throws `INVALID_ARGUMENT`. */
export function decodeJoinCredential(text: string): JoinCredential {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PREFIX))
    throw TesseraError.invalidArgument(
      'not a Tessera join credential (it starts with "tessera-join.")',
    );
  let c: Partial<JoinCredential>;
  try {
    c = JSON.parse(
      Buffer.from(trimmed.slice(PREFIX.length), 'base64url').toString('utf8'),
    ) as Partial<JoinCredential>;
  } catch {
    throw TesseraError.invalidArgument('join credential is corrupted');
  }
  const keyOk = (k: unknown) => typeof k === 'string' && k.length === 40;
  if (
    c.v !== 1 ||
    typeof c.core !== 'string' ||
    !c.core.startsWith('tcp://') ||
    !keyOk(c.coreKey) ||
    !keyOk(c.publicKey) ||
    !keyOk(c.secretKey) ||
    !isValidName(c.module) ||
    typeof c.expiresAt !== 'number' ||
    (c.facts !== undefined && !isFacts(c.facts))
  ) {
    throw TesseraError.invalidArgument('join credential is malformed');
  }
  return c as JoinCredential;
}

function isFacts(f: unknown): f is ModuleFacts {
  const o = f as Partial<ModuleFacts> | null;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.name === 'string' &&
    strings(o.requires) &&
    typeof o.provides === 'object' &&
    o.provides !== null &&
    Object.values(o.provides).every(strings)
  );
}
