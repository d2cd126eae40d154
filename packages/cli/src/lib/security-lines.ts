import type { SecurityEvent } from '@tessera/core';

const OUTCOME_MARK: Record<string, string> = { success: '✓', denied: '✗', failure: '!' };

/**
 * One security event as a line: time, outcome mark, kind, who → what, then
 * what a reader needs (the cause of a revocation, how many refusals a line
 * folds, who handed a grant on) and the reason.
 *
 *   12:03:04.120 ✗ call.denied       eve → echo  ×300 PERMISSION_DENIED add: 'add' is not granted to eve on echo
 */
export function securityLine(e: SecurityEvent): string {
  const time = e.time.slice(11, 23);
  const who =
    e.subject !== undefined && e.target !== undefined
      ? `${e.subject} → ${e.target}`
      : (e.subject ?? e.target ?? '-');
  const details = [
    e.chain?.length ? `(via ${e.chain.join(', ')})` : '',
    e.cause ? `[${e.cause}]` : '',
    e.count !== undefined ? `×${e.count}` : '',
    e.code ?? '',
    e.methods?.length ? `${e.methods.join(', ')}:` : '',
    e.reason,
  ].filter(Boolean);
  return `${time} ${OUTCOME_MARK[e.outcome] ?? '?'} ${e.kind.padEnd(18)} ${who}  ${details.join(' ')}`;
}
