import { createWriteStream, openSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Logger } from '@tessera/protocol';
import { stderrPolicyLogger } from '../policy-logger';
import type { AuditRecord } from './audit-record';
import type { AuditSink } from './audit-sink';
import { type RotationOptions, SizeRotation } from './size-rotation';

export interface JsonLinesAuditSinkOptions extends RotationOptions {
  logger?: Logger;
  /**
   * Bytes a slow disk may leave queued in memory; records past it are
   * dropped, counted and reported once the queue drains. Default 16 MiB.
   */
  maxPendingBytes?: number;
  /** What the log is called in error messages; default `decision log`. */
  label?: string;
}

/** Default of {@link JsonLinesAuditSinkOptions.maxPendingBytes}. */
export const DEFAULT_AUDIT_MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * Writes one JSON object per line to a file (appended, mode 0600) or to a
 * stream. A file rotates by size (`audit.jsonl` → `audit.jsonl.1` …, see
 * {@link SizeRotation}), so it never grows without bound. A stream passed
 * in is not ended on close; a file it opened is.
 */
export class JsonLinesAuditSink<R extends object = AuditRecord> implements AuditSink<R> {
  private stream: Writable;
  private readonly rotation: SizeRotation | undefined;
  private closed = false;
  private dropped = 0;
  private readonly logger: Logger;
  private readonly maxPending: number;
  private readonly label: string;

  constructor(target: string | Writable, options: JsonLinesAuditSinkOptions = {}) {
    this.logger = options.logger ?? stderrPolicyLogger;
    this.maxPending = options.maxPendingBytes ?? DEFAULT_AUDIT_MAX_PENDING_BYTES;
    this.label = options.label ?? 'decision log';
    if (typeof target === 'string') {
      this.rotation = new SizeRotation(target, options, this.logger);
      this.stream = this.open(target);
    } else {
      this.stream = this.watch(target);
    }
  }

  write(record: R): void {
    if (this.closed) return;
    const line = JSON.stringify(record) + '\n';
    if (this.stream.writableLength > this.maxPending) {
      this.dropped++;
      return;
    }
    if (this.rotation?.due(Buffer.byteLength(line))) {
      const old = this.stream;
      // The old stream keeps its descriptor: what it still holds lands in the renamed file.
      if (this.rotation.rotate()) {
        old.end();
        this.stream = this.open(this.rotation.path);
      }
    }
    this.stream.write(line);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.rotation) return;
    const stream = this.stream;
    await new Promise<void>((resolve) => {
      stream.once('error', () => resolve());
      stream.end(() => resolve());
    });
  }

  /**
   * A stream on a descriptor opened now, so a rename never races its
   * opening. A file that cannot be opened is reported and its records
   * dropped: the decisions themselves go on.
   */
  private open(path: string): Writable {
    let fd: number;
    try {
      fd = openSync(path, 'a', 0o600);
    } catch (err) {
      this.logger.error(`${this.label} cannot be opened: ${(err as Error).message}`);
      return new Writable({ write: (_chunk, _encoding, done) => done() });
    }
    return this.watch(createWriteStream('', { fd }));
  }

  private watch(stream: Writable): Writable {
    stream.on('error', (err) => this.logger.error(`${this.label} write failed: ${err.message}`));
    stream.on('drain', () => {
      if (this.dropped === 0) return;
      this.logger.warn(`${this.label} fell behind: ${this.dropped} records dropped`);
      this.dropped = 0;
    });
    return stream;
  }
}
