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
 * Open a host's identity file for `module`. A plain JSON file an older
 * Tessera wrote is read once and sealed in place (`migrated: true`); a wrong
 * passphrase or an altered file is `UNAUTHENTICATED`, and the file is left
 * as it was.
 */
export async function loadIdentity(
  file: string,
  passphrase: string,
  module: string,
): Promise<{ identity: HostIdentity; migrated: boolean }> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw TesseraError.notFound(`identity file ${file} cannot be read`);
  });
  let value: unknown;
  let migrated = false;
  if (isSealed(text)) value = await readSealedFile(file, passphrase, PURPOSE);
  else {
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

function checkIdentity(value: unknown, file: string): HostIdentity {
  const v = value as Partial<HostIdentity> | null;
  const str = (x: unknown) => typeof x === 'string' && x.length > 0;
  if (!v || ![v.core, v.coreKey, v.module, v.publicKey, v.secretKey].every(str))
    throw TesseraError.invalidArgument(`identity file ${file} does not hold a host identity`);
  return v as HostIdentity;
}
