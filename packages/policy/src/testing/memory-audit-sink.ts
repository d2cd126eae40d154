import type { AuditRecord } from '../lib/audit/audit-record';
import type { AuditSink } from '../lib/audit/audit-sink';

/** Keeps decision records in memory, for tests. */
export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  closed = false;

  write(record: AuditRecord): void {
    this.records.push(record);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
