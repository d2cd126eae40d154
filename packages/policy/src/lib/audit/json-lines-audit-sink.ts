import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Logger } from '@tessera/protocol';
import { stderrPolicyLogger } from '../policy-logger';
import type { AuditRecord } from './audit-record';
import type { AuditSink } from './audit-sink';

export interface JsonLinesAuditSinkOptions {
  logger?: Logger;
}

/**
 * Writes one JSON object per line to a file (appended, mode 0600) or to a
 * stream. A stream passed in is not ended on close; a file it opened is.
 */
export class JsonLinesAuditSink implements AuditSink {
  private readonly stream: Writable;
  private readonly owned: boolean;
  private closed = false;
  private readonly logger: Logger;

  constructor(target: string | Writable, options: JsonLinesAuditSinkOptions = {}) {
    this.logger = options.logger ?? stderrPolicyLogger;
    this.owned = typeof target === 'string';
    this.stream =
      typeof target === 'string' ? createWriteStream(target, { flags: 'a', mode: 0o600 }) : target;
    this.stream.on('error', (err) =>
      this.logger.error(`decision log write failed: ${err.message}`),
    );
  }

  write(record: AuditRecord): void {
    if (this.closed) return;
    this.stream.write(JSON.stringify(record) + '\n');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.owned) return;
    await new Promise<void>((resolve) => {
      this.stream.once('error', () => resolve());
      this.stream.end(() => resolve());
    });
  }
}
