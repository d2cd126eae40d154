import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { errorOf } from '@tessera/protocol/testing';
import { isSealed } from '../secrets';
import { type HostIdentity, loadIdentity, saveIdentity } from './host-identity';

const PASS = 'host identity test passphrase';
/** What someone who can replace the file would write: their own core and core key. */
const PLANTED: HostIdentity = {
  core: 'tcp://attacker.example:7000',
  coreKey: 'attacker-core-key',
  module: 'notes',
  publicKey: 'planted-public',
  secretKey: 'planted-secret',
};

describe('host identity files', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-identity-'));
    file = join(dir, 'notes.identity');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plant = (mode = 0o600): string => {
    const text = JSON.stringify(PLANTED);
    writeFileSync(file, text, { mode });
    chmodSync(file, mode);
    return text;
  };

  it('refuses a plain identity file unless migration is asked for, and leaves it as it was', async () => {
    const text = plant();
    const err = await errorOf(loadIdentity(file, PASS, 'notes'));
    expect(err.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(err.message).toContain('is not encrypted');
    expect(err.message).toContain('--migrate-identity');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('seals a plain identity file in place when the operator asks for migration', async () => {
    plant();
    const { identity, migrated } = await loadIdentity(file, PASS, 'notes', { migrate: true });
    expect(migrated).toBe(true);
    expect(identity).toEqual(PLANTED);
    expect(isSealed(readFileSync(file, 'utf8'))).toBe(true);
    // Opened again, sealed now: no migration, same identity.
    await expect(loadIdentity(file, PASS, 'notes')).resolves.toEqual({
      identity: PLANTED,
      migrated: false,
    });
  });

  it('refuses a plain file open to others even with migration, before reading it', async () => {
    const text = plant(0o644);
    const err = await errorOf(loadIdentity(file, PASS, 'notes', { migrate: true }));
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toContain(`chmod 600 ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses an identity file another user owns, plain or sealed', async () => {
    if (process.platform === 'win32' || process.getuid?.() !== 0) {
      // Only root can give a file away; elsewhere the mode check above stands in.
      return;
    }
    plant();
    chownSync(file, 65534, 65534);
    const plain = await errorOf(loadIdentity(file, PASS, 'notes', { migrate: true }));
    expect(plain.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(plain.message).toContain('not to this user');
    rmSync(file);
    await saveIdentity(file, PLANTED, PASS);
    chownSync(file, 65534, 65534);
    const sealed = await errorOf(loadIdentity(file, PASS, 'notes'));
    expect(sealed.code).toBe(ErrorCode.PERMISSION_DENIED);
  });

  it('opens a sealed identity file of its own', async () => {
    await saveIdentity(file, PLANTED, PASS);
    await expect(loadIdentity(file, PASS, 'notes')).resolves.toEqual({
      identity: PLANTED,
      migrated: false,
    });
  });
});
