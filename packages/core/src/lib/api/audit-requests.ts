import type { DelegateRequest, DeniedCalls } from '@tessera/host';
import { TesseraError, isValidName } from '@tessera/protocol';
import { assertRequestedMethods, truncateText } from '@tessera/policy';
import { SECURITY_EVENT_KINDS, type SecurityFilter } from '../audit';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const DELEGATE_FIELDS: ReadonlySet<string> = new Set(['target', 'to', 'methods', 'ttlSeconds']);

/** `delegate`'s argument as a module sent it, checked before anything looks it up. */
export function delegateRequestOf(request: unknown): DelegateRequest {
  const usage = 'delegate takes {target, to, methods, ttlSeconds?}';
  if (!isObject(request)) throw TesseraError.invalidArgument(usage);
  const extra = Object.keys(request).filter((k) => !DELEGATE_FIELDS.has(k));
  if (extra.length > 0)
    throw TesseraError.invalidArgument(
      `${usage}; unknown field ${truncateText(extra[0] ?? '', 32)}`,
    );
  const { target, to, methods, ttlSeconds } = request;
  for (const [field, v] of [
    ['target', target],
    ['to', to],
  ] as const)
    if (typeof v !== 'string' || !isValidName(v))
      throw TesseraError.invalidArgument(`${usage}: ${field} must be a module name`);
  assertRequestedMethods(methods);
  if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !(ttlSeconds > 0)))
    throw TesseraError.invalidArgument(`${usage}: ttlSeconds must be a positive number`);
  return request as unknown as DelegateRequest;
}

/** At most this many entries per report (a host sends at most 33). */
const MAX_REPORTED = 64;
const text = (v: unknown, n: number): string | undefined =>
  typeof v === 'string' ? truncateText(v, n) : undefined;

/**
 * A host's `reportDenials` batch, bounded whatever the host sent: entries,
 * strings, methods and counts. What it claims is the host's word about its
 * own door (the trail names the reporting host as the target).
 */
export function deniedCallsOf(batch: unknown): DeniedCalls[] {
  if (!Array.isArray(batch) || batch.length > MAX_REPORTED)
    throw TesseraError.invalidArgument(`reportDenials takes at most ${MAX_REPORTED} entries`);
  return batch.filter(isObject).map((d) => {
    const caller = text(d['caller'], 64);
    const grant = text(d['grant'], 32);
    const count = Number(d['count']);
    return {
      ...(caller !== undefined ? { caller } : {}),
      code: text(d['code'], 32) ?? 'UNKNOWN',
      ...(grant !== undefined ? { grant } : {}),
      reason: text(d['reason'], 256) ?? '',
      methods: (Array.isArray(d['methods']) ? d['methods'] : [])
        .slice(0, 8)
        .map((m) => text(m, 128) ?? '?'),
      count: Number.isSafeInteger(count) && count > 0 ? Math.min(count, 1e9) : 1,
    };
  });
}

const OUTCOMES: ReadonlySet<string> = new Set(['success', 'denied', 'failure']);
const AREAS: ReadonlySet<string> = new Set(
  SECURITY_EVENT_KINDS.flatMap((k) => [k, k.split('.')[0] ?? k]),
);

/** `auditEvents`' filter, checked: known kinds and outcomes only, so a typo is an error, not silence. */
export function securityFilterOf(filter: unknown): SecurityFilter {
  if (filter === undefined || filter === null) return {};
  if (!isObject(filter))
    throw TesseraError.invalidArgument(
      'auditEvents takes {limit?, after?, kind?, module?, outcome?}',
    );
  const { limit, after, kind, module, outcome } = filter;
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 0))
    throw TesseraError.invalidArgument('auditEvents: limit must be an integer >= 0');
  if (after !== undefined && !Number.isInteger(after))
    throw TesseraError.invalidArgument('auditEvents: after must be an event seq');
  if (kind !== undefined && (typeof kind !== 'string' || !AREAS.has(kind)))
    throw TesseraError.invalidArgument(
      `auditEvents: unknown kind ${JSON.stringify(truncateText(String(kind), 40))} (one of ${[...AREAS].join(', ')})`,
    );
  if (outcome !== undefined && (typeof outcome !== 'string' || !OUTCOMES.has(outcome)))
    throw TesseraError.invalidArgument('auditEvents: outcome is success, denied or failure');
  if (module !== undefined && typeof module !== 'string')
    throw TesseraError.invalidArgument('auditEvents: module must be a name');
  return filter as SecurityFilter;
}
