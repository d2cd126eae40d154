import type { CoreEvent } from '@tessera/core';

/** One readable line per lifecycle event, e.g. `✓ storage ready in 84 ms (pid 1234)`. */
export function formatCoreEvent(e: CoreEvent): string {
  switch (e.kind) {
    case 'loading':
      return `▸ loading ${e.module}`;
    case 'ready':
      return `✓ ${e.module} ready in ${e.ms} ms${e.remote !== undefined ? ` (remote host at ${e.remote})` : e.pid === undefined ? ' (in-process)' : ` (pid ${e.pid})`}`;
    case 'crashed':
      return `✗ ${e.module} crashed: ${e.reason} (${e.revoked} grant${e.revoked === 1 ? '' : 's'} revoked)`;
    case 'restarting':
      return `↻ restarting ${e.module} in ${e.inMs} ms (attempt ${e.attempt})`;
    case 'failed':
      return `✗ ${e.module} failed: ${e.reason}`;
    case 'unloaded':
      return `– ${e.module} unloaded`;
    case 'lost':
      return `⋯ ${e.module} lost its remote host (${e.reason}); waiting for it to re-attach`;
  }
}
