import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/protocol';
import { type CurveKeyPair, generateKeyPair } from '@tessera/transport-zeromq';
import { readSealedFile, writeSealedFile } from '../secrets';
import type { KeyRing, PersistedAdmission, RetiredKey } from './key-ring';

/** Where the core keeps what survives its restart, and the passphrase that seals it. */
export interface NetworkStateOptions {
  /** A directory only the core's user can read (made 0700). */
  dir: string;
  passphrase: string;
}

const CORE_KEY = 'core.key';
const ADMISSIONS = 'admissions';

interface AdmissionsFile {
  v: 1;
  keys: PersistedAdmission[];
  retired: (RetiredKey & { publicKey: string })[];
}

/**
 * The core's network identity and admission state, kept across restarts:
 * its CURVE key pair (`core.key`) and the admitted join and remote keys with
 * their pinned facts (`admissions`), each a sealed file (AES-256-GCM, 0600).
 * A restarted core opens both before it listens, so every host holding an
 * identity file re-attaches by itself. Every change of the key ring is
 * written through (coalesced: one write in flight, one pending at most); a
 * wrong passphrase or an altered file stops the core with a clear error and
 * changes nothing.
 */
export class NetworkState {
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private unsubscribe: (() => void) | undefined;
  private failure: unknown;

  private constructor(
    private readonly o: NetworkStateOptions,
    readonly coreKeys: CurveKeyPair,
    private readonly ring: KeyRing,
  ) {}

  /** Open (or create) the state in `o.dir` and load its admissions into `ring`. */
  static async open(o: NetworkStateOptions, ring: KeyRing): Promise<NetworkState> {
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
    const keyFile = join(o.dir, CORE_KEY);
    let keys: CurveKeyPair;
    if (await exists(keyFile)) {
      keys = checkKeys(await readSealedFile(keyFile, o.passphrase, 'core-key'), keyFile);
    } else {
      keys = generateKeyPair();
      await writeSealedFile(keyFile, keys, o.passphrase, 'core-key');
    }
    const admissionsFile = join(o.dir, ADMISSIONS);
    if (await exists(admissionsFile)) {
      const saved = (await readSealedFile(
        admissionsFile,
        o.passphrase,
        'admissions',
      )) as Partial<AdmissionsFile> | null;
      if (saved?.v !== 1 || !Array.isArray(saved.keys) || !Array.isArray(saved.retired))
        throw TesseraError.invalidArgument(`${admissionsFile} does not hold admissions`);
      ring.restore(saved.keys, saved.retired);
    }
    const state = new NetworkState(o, keys, ring);
    state.unsubscribe = ring.onChange(() => state.save());
    return state;
  }

  /** Write the ring's admissions now (coalesced with writes already under way). */
  save(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      const file: AdmissionsFile = {
        v: 1,
        keys: this.ring.persistent(),
        retired: this.ring.retiredList(),
      };
      try {
        await writeSealedFile(join(this.o.dir, ADMISSIONS), file, this.o.passphrase, 'admissions');
      } catch (err) {
        this.failure = err; // reported by flush(); the previous file stays whole
      }
    });
  }

  /** Resolve once every change so far is on disk; rejects with the last write's failure. */
  async flush(): Promise<void> {
    await this.writing;
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.writing;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function checkKeys(value: unknown, file: string): CurveKeyPair {
  const k = value as Partial<CurveKeyPair> | null;
  if (typeof k?.publicKey !== 'string' || typeof k.secretKey !== 'string')
    throw TesseraError.invalidArgument(`${file} does not hold a CURVE key pair`);
  return { publicKey: k.publicKey, secretKey: k.secretKey };
}
