import { readFile, stat } from 'node:fs/promises';
import { TesseraError } from '@tessera/protocol';
import { isSealed, readSealedFile, writeSealedFile } from '../secrets';

/** What a remote host remembers to re-attach after a restart without a new credential. */
export interface HostIdentity {
  core: string;
  coreKey: string;
  module: string;
  publicKey: string;
  secretKey: string;
}

const PURPOSE = 'host-identity';

/** True when `file` exists (a host that joined before). */
export async function identityExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Seal a host's identity into `file` (0600, atomic). */
export function saveIdentity(
  file: string,
  identity: HostIdentity,
  passphrase: string,
): Promise<void> {
  return writeSealedFile(file, identity, passphrase, PURPOSE);
}

/**
 * Open a host's identity file for `module`. The file must belong to this
 * user and be closed to others (0600), or nothing is read
 * (`PERMISSION_DENIED`). A plain JSON file an older Tessera wrote is refused
 * (`FAILED_PRECONDITION`) unless the operator asks for it to be sealed in
 * place (`migrate`, `tessera host --migrate-identity`): whoever could replace
 * the file could otherwise point the host at a core and key of their own and
 * have it sealed under the operator's passphrase. A wrong passphrase or an
 * altered file is `UNAUTHENTICATED`, and the file is left as it was.
 */
export async function loadIdentity(
  file: string,
  passphrase: string,
  module: string,
  options: { migrate?: boolean } = {},
): Promise<{ identity: HostIdentity; migrated: boolean }> {
  await assertPrivate(file);
  const text = await readFile(file, 'utf8').catch(() => {
    throw TesseraError.notFound(`identity file ${file} cannot be read`);
  });
  let value: unknown;
  let migrated = false;
  if (isSealed(text)) value = await readSealedFile(file, passphrase, PURPOSE);
  else {
    if (!options.migrate)
      throw TesseraError.failedPrecondition(
        `identity file ${file} is not encrypted (plain JSON, as an older Tessera wrote it, or a file someone replaced): ` +
          `if you wrote it yourself, check that it names the core you expect and start once with --migrate-identity to encrypt it; ` +
          `otherwise delete it and join again with a new credential from 'tessera admit'`,
      );
    try {
      value = JSON.parse(text);
    } catch {
      throw TesseraError.invalidArgument(`identity file ${file} is neither sealed nor JSON`);
    }
    migrated = true;
  }
  const identity = checkIdentity(value, file);
  if (identity.module !== module)
    throw TesseraError.invalidArgument(
      `identity file ${file} is for module ${identity.module}, not ${module}`,
    );
  if (migrated) await saveIdentity(file, identity, passphrase);
  return { identity, migrated };
}

/** Refused before a byte is read: a file another user owns, or others may read or write. */
async function assertPrivate(file: string): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await stat(file).catch(() => {
    throw TesseraError.notFound(`identity file ${file} cannot be read`);
  });
  if (!st.isFile())
    throw TesseraError.permissionDenied(`identity file ${file} is not a regular file`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw TesseraError.permissionDenied(
      `identity file ${file} belongs to user ${st.uid}, not to this user (${uid}): it is not used`,
    );
  if ((st.mode & 0o077) !== 0)
    throw TesseraError.permissionDenied(
      `identity file ${file} is open to other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 ${file}`,
    );
}

function checkIdentity(value: unknown, file: string): HostIdentity {
  const v = value as Partial<HostIdentity> | null;
  const str = (x: unknown) => typeof x === 'string' && x.length > 0;
  if (!v || ![v.core, v.coreKey, v.module, v.publicKey, v.secretKey].every(str))
    throw TesseraError.invalidArgument(`identity file ${file} does not hold a host identity`);
  return v as HostIdentity;
}
