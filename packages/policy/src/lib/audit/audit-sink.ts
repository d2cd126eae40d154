import type { AuditRecord } from './audit-record';

/**
 * Where decision records (or, with another `R`, any JSON records) go.
 * `write` must not throw; sinks report their own I/O errors.
 */
export interface AuditSink<R extends object = AuditRecord> {
  write(record: R): void;
  /** Flush and release what the sink holds. Idempotent. */
  close(): Promise<void>;
}
