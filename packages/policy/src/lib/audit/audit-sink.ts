import type { AuditRecord } from './audit-record';

/** Where decision records go. `write` must not throw; sinks report their own I/O errors. */
export interface AuditSink {
  write(record: AuditRecord): void;
  /** Flush and release what the sink holds. Idempotent. */
  close(): Promise<void>;
}
