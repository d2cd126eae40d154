import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import type { Logger } from '@tessera/protocol';

export interface RotationOptions {
  /** Rotate before the file passes this many bytes. Default 64 MiB. */
  maxBytes?: number;
  /** Rotated files kept: `<path>.1` (newest) to `<path>.<keep>`. Default 5; 0 keeps none. */
  keep?: number;
}

export const DEFAULT_AUDIT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_AUDIT_KEEP = 5;

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * Size-based rotation of one log file, `logrotate`-style: `<path>` becomes
 * `<path>.1`, `.1` becomes `.2` … and the file past `keep` is deleted. So
 * the log holds at most `maxBytes × (keep + 1)` bytes on disk, plus one line.
 * Renames are synchronous (a handful of syscalls per `maxBytes` written),
 * so no record is written between the check and the swap.
 */
export class SizeRotation {
  private size: number;
  readonly maxBytes: number;
  readonly keep: number;
  private readonly label: string;

  constructor(
    readonly path: string,
    options: RotationOptions & { label?: string },
    private readonly logger: Logger,
  ) {
    this.label = options.label ?? 'decision log';
    this.maxBytes = options.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES;
    this.keep = options.keep ?? DEFAULT_AUDIT_KEEP;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1)
      throw new RangeError(`audit maxBytes must be a positive integer, got ${this.maxBytes}`);
    if (!Number.isInteger(this.keep) || this.keep < 0)
      throw new RangeError(`audit keep must be an integer >= 0, got ${this.keep}`);
    this.size = sizeOf(path);
  }

  /** Count `bytes` about to be written; true when the file must rotate first. */
  due(bytes: number): boolean {
    const due = this.size > 0 && this.size + bytes > this.maxBytes;
    this.size = (due ? 0 : this.size) + bytes;
    return due;
  }

  /**
   * Shift the files; true when `path` is free for a new file. Only files
   * that exist are touched (up to the first gap), so a large `keep` costs
   * nothing until the files are there. Failures are logged, never thrown.
   */
  rotate(): boolean {
    try {
      if (this.keep === 0) {
        rmSync(this.path, { force: true });
        return true;
      }
      let last = 0; // the oldest rotated file, before the first gap
      while (last < this.keep && existsSync(`${this.path}.${last + 1}`)) last++;
      if (last === this.keep) rmSync(`${this.path}.${last--}`, { force: true });
      for (let i = last; i >= 1; i--) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameSync(this.path, `${this.path}.1`);
      return true;
    } catch (err) {
      this.logger.error(`${this.label} rotation failed: ${(err as Error).message}`);
      return false;
    }
  }
}
