import type { TesseraError } from '@tessera/protocol';

/**
 * Result of loading a bundle. On failure the policy in force (if any) is
 * unchanged and `revision` is still its revision.
 */
export type ReloadOutcome =
  | { ok: true; revision: number; source: string }
  | { ok: false; revision: number; error: TesseraError };
