import { dirname, join, resolve } from 'node:path';
import type { AppConfig } from '@tessera/protocol';
import { type AuditSink, JsonLinesAuditSink, type PolicyLogger } from '@tessera/policy';
import type { SecurityEvent } from '../audit';

/** The security trail's file: `security.jsonl` beside the decision log (`audit.path`). */
export function securityLogPath(config: AppConfig, dir: string): string | undefined {
  return config.audit.kind === 'jsonl'
    ? join(dirname(resolve(dir, config.audit.path)), 'security.jsonl')
    : undefined;
}

/**
 * Where the security trail is written, following the decision log's
 * `audit` config: `jsonl` → `security.jsonl` in the same directory, rotated
 * by the same `maxBytes`/`keep` (mode 0600); `stderr` → stderr; `none` →
 * nowhere (the trail still serves `tessera audit` from memory).
 */
export function openSecurityLog(
  config: AppConfig,
  dir: string,
  logger: PolicyLogger,
): AuditSink<SecurityEvent> | undefined {
  const options = { logger, label: 'security trail' };
  switch (config.audit.kind) {
    case 'jsonl': {
      const { maxBytes, keep } = config.audit;
      return new JsonLinesAuditSink<SecurityEvent>(securityLogPath(config, dir) as string, {
        ...options,
        ...(maxBytes !== undefined ? { maxBytes } : {}),
        ...(keep !== undefined ? { keep } : {}),
      });
    }
    case 'stderr':
      return new JsonLinesAuditSink<SecurityEvent>(process.stderr, options);
    case 'none':
      return undefined;
  }
}
