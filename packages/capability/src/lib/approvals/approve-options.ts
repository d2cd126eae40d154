import { TesseraError } from '@tessera/protocol';
import { describeList } from '@tessera/policy';
import type { ApprovalLimits, PendingApproval } from './approval';

/** Approve options, checked against the request they answer. */
export interface CheckedApproval {
  /** The methods to grant: the offer, or the subset asked for. */
  methods: string[];
  /** The TTL to grant: the policy's, or a shorter one. */
  ttlSeconds: number;
  rememberForSeconds?: number;
  /** The verification code given, trimmed. */
  code?: string;
}

/**
 * Check `approve`'s options (as they came over the wire) against request
 * `a`: every field may only narrow the policy's offer. Anything else is
 * `INVALID_ARGUMENT`, and the request keeps waiting.
 */
export function checkApproveOptions(
  a: PendingApproval,
  options: unknown,
  limits: Pick<ApprovalLimits, 'maxRememberSeconds'>,
): CheckedApproval {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw TesseraError.invalidArgument(
      'approve takes (id, {code?, methods?, ttlSeconds?, rememberForSeconds?})',
    );
  const o = options as Record<string, unknown>;
  const ttlSeconds = seconds(o['ttlSeconds'], 'ttlSeconds', a.ttlSeconds, 'the policy offers');
  const remember = seconds(
    o['rememberForSeconds'],
    'rememberForSeconds',
    limits.maxRememberSeconds,
    'the longest remembered approval is',
  );
  const code = o['code'];
  if (code !== undefined && typeof code !== 'string')
    throw TesseraError.invalidArgument('code must be a string (the six digits the module logged)');
  return {
    methods: narrowed(a.methods, o['methods']),
    ttlSeconds: ttlSeconds ?? a.ttlSeconds,
    ...(remember !== undefined ? { rememberForSeconds: remember } : {}),
    ...(code !== undefined ? { code: code.trim() } : {}),
  };
}

/** The offer, or the non-empty subset of it asked for. */
function narrowed(offer: readonly string[], wanted: unknown): string[] {
  if (wanted === undefined) return [...offer];
  if (!Array.isArray(wanted) || !wanted.every((m): m is string => typeof m === 'string'))
    throw TesseraError.invalidArgument('methods must be an array of method names');
  if (wanted.length === 0)
    throw TesseraError.invalidArgument('methods is empty: to grant nothing, deny the request');
  const wider = wanted.filter((m) => !offer.includes(m));
  if (wider.length > 0)
    throw TesseraError.invalidArgument(
      `an approval may only narrow the policy's offer (${describeList(offer)}): ${describeList(wider)} ${wider.length === 1 ? 'is' : 'are'} not in it`,
    );
  return [...new Set(wanted)];
}

/** An optional positive whole number of seconds, at most `max`. */
function seconds(value: unknown, name: string, max: number, maxIs: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw TesseraError.invalidArgument(`${name} must be a whole number of seconds > 0`);
  if (value > max)
    throw TesseraError.invalidArgument(`${name} ${value} is longer than ${maxIs} (${max} s)`);
  return value;
}
