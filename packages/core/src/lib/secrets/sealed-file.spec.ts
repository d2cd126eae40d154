import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, TesseraError } from '@tessera/protocol';
import { PASSPHRASE_ENV, PASSPHRASE_FILE_ENV, resolvePassphrase } from './passphrase';
import { readSealedFile, seal, unseal, writeSealedFile } from './sealed-file';

const PASS = 'correct horse battery staple';
const SECRET = { secretKey: 'Z85-secret-key-that-must-never-show-up!!', n: 7 };

const codeOf = async (p: Promise<unknown>): Promise<{ code: string; message: string }> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof TesseraError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
};

describe('sealed files (AES-256-GCM under scrypt)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-sealed-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips, writes 0600, and keeps no plaintext on disk', async () => {
    const file = join(dir, 'identity');
    await writeSealedFile(file, SECRET, PASS, 'host-identity');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET.secretKey);
    expect(text).not.toContain(PASS);
    const header = JSON.parse(text) as { kdf: { name: string; N: number } };
    expect(header.kdf).toMatchObject({ name: 'scrypt', N: 32768 });
    await expect(readSealedFile(file, PASS, 'host-identity')).resolves.toEqual(SECRET);
    // Two seals of the same value differ (fresh salt and IV).
    expect(await seal(SECRET, PASS, 'x')).not.toBe(await seal(SECRET, PASS, 'x'));
  });

  it('a wrong passphrase is a clear UNAUTHENTICATED, and the file is unchanged', async () => {
    const file = join(dir, 'identity');
    await writeSealedFile(file, SECRET, PASS, 'host-identity');
    const before = readFileSync(file, 'utf8');
    const err = await codeOf(readSealedFile(file, 'not the passphrase', 'host-identity'));
    expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err.message).toMatch(/wrong passphrase, or the file was altered/);
    expect(err.message).not.toContain('not the passphrase');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('any tampered byte (ciphertext, tag or header) fails to open', async () => {
    const text = await seal(SECRET, PASS, 'core-key');
    const f = JSON.parse(text) as Record<string, unknown> & { kdf: { salt: string } };
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[0] = (b[0] as number) ^ 1;
      return b.toString('base64');
    };
    for (const tampered of [
      { ...f, data: flip(f['data'] as string) },
      { ...f, tag: flip(f['tag'] as string) },
      { ...f, iv: flip(f['iv'] as string) },
      { ...f, kdf: { ...f.kdf, salt: flip(f.kdf.salt) } },
    ]) {
      const err = await codeOf(unseal(JSON.stringify(tampered), PASS, 'core-key'));
      expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
    }
    // The purpose is bound too: a core key file does not open as an identity.
    expect((await codeOf(unseal(text, PASS, 'host-identity'))).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    // Not a sealed file at all; KDF parameters out of bounds.
    expect((await codeOf(unseal('{"secretKey":"x"}', PASS, 'core-key'))).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    const greedy = { ...f, kdf: { ...f.kdf, N: 2 ** 30 } };
    expect((await codeOf(unseal(JSON.stringify(greedy), PASS, 'core-key'))).message).toMatch(
      /bad header/,
    );
  });

  it('refuses a file others may read, before reading it', async () => {
    const file = join(dir, 'identity');
    await writeSealedFile(file, SECRET, PASS, 'host-identity');
    chmodSync(file, 0o644);
    const err = await codeOf(readSealedFile(file, PASS, 'host-identity'));
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toMatch(/chmod 600/);
    expect((await codeOf(readSealedFile(join(dir, 'none'), PASS, 'x'))).code).toBe(
      ErrorCode.NOT_FOUND,
    );
  });

  it('refuses a passphrase shorter than 8 characters', async () => {
    await expect(seal(SECRET, 'short', 'x')).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});

describe('resolvePassphrase', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-pass-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a key file first, then the file variable, then the variable (and removes it)', async () => {
    const file = join(dir, 'pass');
    writeFileSync(file, 'from the file\n', { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { [PASSPHRASE_ENV]: 'from the env' };
    await expect(resolvePassphrase({ file, env, what: 'x' })).resolves.toBe('from the file');
    expect(env[PASSPHRASE_ENV]).toBe('from the env');
    await expect(
      resolvePassphrase({ env: { ...env, [PASSPHRASE_FILE_ENV]: file }, what: 'x' }),
    ).resolves.toBe('from the file');
    await expect(resolvePassphrase({ env, what: 'x' })).resolves.toBe('from the env');
    expect(env[PASSPHRASE_ENV]).toBeUndefined();
  });

  it('says how to give one when there is none, and refuses an open key file', async () => {
    const none = await codeOf(resolvePassphrase({ env: {}, prompt: false, what: 'the key' }));
    expect(none.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(none.message).toMatch(/TESSERA_PASSPHRASE_FILE.*TESSERA_PASSPHRASE/);
    const open = join(dir, 'open');
    writeFileSync(open, 'secret passphrase', { mode: 0o644 });
    chmodSync(open, 0o644);
    const err = await codeOf(resolvePassphrase({ file: open, env: {}, what: 'x' }));
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).not.toContain('secret passphrase');
  });
});
