import { AUDIT_LIMITS, summarizeList, truncateText } from '@tessera/policy';
import type { EventSpec } from '@tessera/proxy';

/**
 * What a security event is about, as `<area>.<what>`: grants and
 * delegations, calls a door refused, requests put to the operator, module
 * lifecycle, operator sessions and actions, remote admission, policy loads.
 */
export const SECURITY_EVENT_KINDS = [
  'grant.issued',
  'grant.narrowed',
  'grant.revoked',
  'grant.denied',
  'delegation.granted',
  'delegation.denied',
  'call.denied',
  'request.asked',
  'request.approved',
  'request.denied',
  'request.withdrawn',
  'module.loaded',
  'module.restarted',
  'module.crashed',
  'module.failed',
  'module.unloaded',
  'operator.session',
  'operator.refused',
  'operator.action',
  'join.minted',
  'join.spent',
  'join.refused',
  'host.admitted',
  'host.refused',
  'policy.reloaded',
  'policy.rejected',
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** `success`: it happened; `denied`: a request or call was refused; `failure`: something broke. */
export type SecurityOutcome = 'success' | 'denied' | 'failure';

/** Why a grant went (or shrank): `tessera audit --kind grant.revoked` groups by it. */
export type GrantCause =
  | 'unload'
  | 'crash'
  | 'expiry'
  | 'reload'
  | 'operator'
  | 'parent revoked'
  | 'released'
  | 'session closed'
  | 'other';

/**
 * One line of the security trail. Never a secret: token ids (the public
 * half) at most, never a token, a credential, a key's secret or a
 * verification code. Strings and lists are bounded like the decision log's.
 */
export interface SecurityEvent {
  /** Order of the event in this core's run (1, 2, …): a follower resumes after the last it saw. */
  seq: number;
  /** ISO-8601 time. */
  time: string;
  /** The core that recorded it (`host:pid` unless configured). */
  node: string;
  kind: SecurityEventKind;
  outcome: SecurityOutcome;
  /** Who acted or holds the grant: a module, `operator`, a remote host's identity. */
  subject?: string;
  /** What it was about: the target module, `core`. */
  target?: string;
  reason: string;
  /** Grant events: why it went or shrank. */
  cause?: GrantCause;
  /** The grant's token id. */
  grant?: string;
  /** A delegated grant's parent (token id) and its delegators, original holder first. */
  parent?: string;
  chain?: string[];
  methods?: string[];
  /** `call.denied`: refusals folded into this line, their code, and over how long. */
  count?: number;
  code?: string;
  windowMs?: number;
  /** A request held for the operator: its id. */
  request?: string;
  expiresAt?: number;
}

/** What a source hands the trail: the trail adds `seq`, `time` and `node`. */
export type SecurityEventInput = Omit<SecurityEvent, 'seq' | 'time' | 'node'>;

/** The core's event operators subscribe to (`$subscribe`, scope `event:security`). */
export const SECURITY_EVENT_SPEC: EventSpec = {
  name: 'security',
  params: ['seq', 'time', 'node', 'kind', 'outcome', 'subject', 'target', 'reason'],
};

const name = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : truncateText(String(s), AUDIT_LIMITS.maxNameLength);

const list = (xs: readonly unknown[] | undefined): string[] | undefined =>
  xs === undefined
    ? undefined
    : summarizeList([...xs], AUDIT_LIMITS.maxMethods, AUDIT_LIMITS.maxNameLength);

/** `e` with every string and list cut to the decision log's bounds, and no field left undefined. */
export function boundEvent(e: SecurityEventInput): SecurityEventInput {
  const out: Record<string, unknown> = {
    kind: e.kind,
    outcome: e.outcome,
    subject: name(e.subject),
    target: name(e.target),
    reason: truncateText(String(e.reason), AUDIT_LIMITS.maxReasonLength),
    cause: e.cause,
    grant: name(e.grant),
    parent: name(e.parent),
    chain: list(e.chain),
    methods: list(e.methods),
    count: e.count,
    code: name(e.code),
    windowMs: e.windowMs,
    request: name(e.request),
    expiresAt: e.expiresAt,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as SecurityEventInput;
}
