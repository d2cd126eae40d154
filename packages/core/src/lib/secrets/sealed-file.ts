import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TesseraError } from '@tessera/protocol';

/**
 * Secrets at rest (identity files, the core's key file, its admission
 * store): AES-256-GCM under a key derived from the operator's passphrase
 * with scrypt (N 2^15, r 8, p 1: about 32 MiB and 50–100 ms per open). The
 * header (format, purpose, KDF parameters, salt) is the cipher's associated
 * data, so changing any byte of the file, header included, fails to open.
 * Files are written 0600, atomically (temp file, fsync, rename): a crash or
 * a refused write leaves the old file as it was.
 */
export interface SealedHeader {
  tessera: 'sealed';
  v: 1;
  /** What the file holds (`host-identity`, `core-key`, `admissions`): a file of one kind never opens as another. */
  purpose: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  iv: string;
}

interface SealedFile extends SealedHeader {
  tag: string;
  data: string;
}

const KDF = { N: 2 ** 15, r: 8, p: 1 } as const;
const MAX_MEM = 128 * 1024 * 1024;

function deriveKey(passphrase: string, kdf: SealedHeader['kdf']): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase,
      Buffer.from(kdf.salt, 'base64'),
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: MAX_MEM },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

function headerBytes(h: SealedHeader): Buffer {
  // A fixed field order: the associated data must be the same bytes on both sides.
  return Buffer.from(
    JSON.stringify([
      h.tessera,
      h.v,
      h.purpose,
      h.kdf.name,
      h.kdf.N,
      h.kdf.r,
      h.kdf.p,
      h.kdf.salt,
      h.iv,
    ]),
  );
}

/** Encrypt `value` (JSON) under `passphrase`; the text of a sealed file. */
export async function seal(value: unknown, passphrase: string, purpose: string): Promise<string> {
  assertPassphrase(passphrase);
  const header: SealedHeader = {
    tessera: 'sealed',
    v: 1,
    purpose,
    kdf: { name: 'scrypt', ...KDF, salt: randomBytes(16).toString('base64') },
    iv: randomBytes(12).toString('base64'),
  };
  const key = await deriveKey(passphrase, header.kdf);
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
  cipher.setAAD(headerBytes(header));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const file: SealedFile = {
    ...header,
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return JSON.stringify(file) + '\n';
}

/**
 * Decrypt the text of a sealed file. `INVALID_ARGUMENT` when it is not one
 * (or is one of another purpose), `UNAUTHENTICATED` when the passphrase is
 * wrong or a byte was changed (GCM cannot tell which, and says so). `what`
 * names the file in errors; neither the passphrase nor any content is quoted.
 */
export async function unseal(
  text: string,
  passphrase: string,
  purpose: string,
  what = 'the sealed file',
): Promise<unknown> {
  const file = parseSealed(text, what);
  if (file.purpose !== purpose)
    throw TesseraError.invalidArgument(`${what} holds a ${file.purpose}, not a ${purpose}`);
  let plain: Buffer;
  try {
    const key = await deriveKey(passphrase, file.kdf);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'));
    decipher.setAAD(headerBytes(file));
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]);
  } catch {
    throw TesseraError.unauthenticated(
      `cannot open ${what}: wrong passphrase, or the file was altered (AES-256-GCM authentication failed)`,
    );
  }
  try {
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    throw TesseraError.invalidArgument(`${what} decrypted, but does not hold JSON`);
  }
}

/** True when `text` looks like a sealed file (to tell it from a legacy plain one). */
export function isSealed(text: string): boolean {
  try {
    return (JSON.parse(text) as { tessera?: unknown } | null)?.tessera === 'sealed';
  } catch {
    return false;
  }
}

function parseSealed(text: string, what: string): SealedFile {
  let f: Partial<SealedFile> & { kdf?: Partial<SealedHeader['kdf']> };
  try {
    f = JSON.parse(text) as typeof f;
  } catch {
    throw TesseraError.invalidArgument(`${what} is not a sealed Tessera file (not JSON)`);
  }
  const b64 = (s: unknown) => typeof s === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
  const int = (n: unknown, min: number, max: number) =>
    typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
  if (
    f?.tessera !== 'sealed' ||
    f.v !== 1 ||
    typeof f.purpose !== 'string' ||
    f.kdf?.name !== 'scrypt' ||
    // Bounded: a file cannot make the opener spend unbounded memory or time.
    !int(f.kdf.N, 2 ** 14, 2 ** 20) ||
    (f.kdf.N & (f.kdf.N - 1)) !== 0 ||
    !int(f.kdf.r, 1, 32) ||
    !int(f.kdf.p, 1, 4) ||
    !b64(f.kdf.salt) ||
    !b64(f.iv) ||
    !b64(f.tag) ||
    !b64(f.data)
  )
    throw TesseraError.invalidArgument(`${what} is not a sealed Tessera file (bad header)`);
  return f as SealedFile;
}

function assertPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length < 8)
    throw TesseraError.invalidArgument('a passphrase must have at least 8 characters');
}

/**
 * Write `value` sealed to `path`, mode 0600, atomically: a temp file in the
 * same directory, synced, then renamed over the old one.
 */
export async function writeSealedFile(
  path: string,
  value: unknown,
  passphrase: string,
  purpose: string,
): Promise<void> {
  const text = await seal(value, passphrase, purpose);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Read and open a sealed file. Refused (`PERMISSION_DENIED`, nothing read)
 * when others may read or write it: as ssh does with a private key.
 * `NOT_FOUND` when it does not exist.
 */
export async function readSealedFile(
  path: string,
  passphrase: string,
  purpose: string,
): Promise<unknown> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    throw TesseraError.notFound(`${path} does not exist`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw TesseraError.permissionDenied(
      `${path} is open to other users (mode ${(mode & 0o777).toString(8)}): chmod 600 ${path}`,
    );
  const fh = await open(path, 'r');
  let text: string;
  try {
    text = await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
  return unseal(text, passphrase, purpose, path);
}
