import type { CapabilityEvent, PendingApproval } from '@tessera/capability';
import { formatDuration, formatTable } from './format';

const list = (methods: readonly string[]): string =>
  methods.length > 0 ? methods.join(', ') : 'nothing';

/** The waiting requests as a table, oldest first. */
export function approvalsTable(approvals: PendingApproval[], now: number): string {
  const rows = [['ID', 'CALLER → TARGET', 'METHODS', 'CODE', 'WAITING', 'REASON']];
  for (const a of approvals)
    rows.push([
      a.id,
      `${a.caller} → ${a.target}${a.remote ? ' (remote)' : ''}`,
      list(a.methods),
      a.code,
      formatDuration(now - a.askedAt),
      a.reason,
    ]);
  return formatTable(rows);
}

/** One line per step of the ask flow (an `approvalChanged` event). */
export function approvalLine(e: Record<string, unknown>): string {
  const who = `${String(e['id'])} ${String(e['caller'])} → ${String(e['target'])}`;
  const methods = Array.isArray(e['methods']) ? list(e['methods'] as string[]) : '';
  switch (e['change']) {
    case 'asked':
      return `? ${who} (${methods}) waits for approval, code ${String(e['code'])}: ${String(e['reason'])}`;
    case 'approved':
      return `✓ ${who} approved (${methods}) for ${String(e['ttlSeconds'])} s${
        e['by'] === 'remembered'
          ? ', remembered from an earlier approval'
          : typeof e['rememberForSeconds'] === 'number'
            ? `, remembered for ${e['rememberForSeconds']} s`
            : ''
      }`;
    case 'denied-by-operator':
      return `✗ ${who} denied by the operator: ${String(e['reason'])}`;
    case 'ask-withdrawn':
      return `– ${who} withdrawn: ${String(e['reason'])}`;
    default:
      return `· ${who} ${String(e['change'])}`;
  }
}

/** One line per grant change (a `grantChanged` event). */
export function grantLine(e: Record<string, unknown>): string {
  const pair = `${String(e['caller'])} → ${String(e['target'])}`;
  const methods = Array.isArray(e['methods']) ? list(e['methods'] as string[]) : '';
  const time = new Date(typeof e['at'] === 'number' ? e['at'] : Date.now())
    .toISOString()
    .slice(11, 19);
  switch (e['change']) {
    case 'granted':
      return `${time} + ${pair}  ${methods}  (${String(e['reason'])})`;
    case 'narrowed':
      return `${time} ~ ${pair}  ${methods}, was ${Array.isArray(e['from']) ? list(e['from'] as string[]) : '?'}  (${String(e['reason'])})`;
    case 'revoked':
      return `${time} - ${pair}  ${methods}  (${String(e['reason'])})`;
    default:
      return `${time} · ${pair}  ${String(e['change'])}`;
  }
}

/**
 * What `tessera run` prints for a step of the ask flow: the request and the
 * command that approves it, then how it ended. Nothing for other events.
 */
export function runLineOf(e: CapabilityEvent): string | undefined {
  switch (e.kind) {
    case 'asked':
      return `? ${e.caller} → ${e.target} (${list(e.methods)}) waits for your approval: tessera approve ${e.id} --code ${e.code}   (${e.reason})`;
    case 'approved':
    case 'denied-by-operator':
    case 'ask-withdrawn': {
      const { kind, ...rest } = e;
      return approvalLine({ change: kind, ...rest });
    }
    default:
      return undefined;
  }
}
