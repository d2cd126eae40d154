import type { CapabilityEvent, CapabilityModule } from '@tessera/capability';
import type { EventSpec, ModuleProxy } from '@tessera/proxy';

/** One change of a live grant, as `grantChanged` carries it: never a token, only its id. */
export interface GrantChange {
  change: 'granted' | 'narrowed' | 'revoked';
  /** When (ms since the epoch). */
  at: number;
  /** The grant's token id (its public half). */
  id: string;
  caller: string;
  target: string;
  /** The grant's methods after the change (a revoked grant's last ones). */
  methods: string[];
  /** `narrowed`: the methods before. */
  from?: string[];
  expiresAt: number;
  /** `granted`: the policy's reason; `narrowed`, `revoked`: why it changed. */
  reason: string;
}

/** One step of the ask flow, as `approvalChanged` carries it. */
export type ApprovalChange = {
  change: 'asked' | 'approved' | 'denied-by-operator' | 'ask-withdrawn';
  at: number;
  id: string;
  caller: string;
  target: string;
  methods: string[];
} & Record<string, unknown>;

/**
 * The core's events, which the operator may `$subscribe` to on its session
 * (scopes `event:grantChanged`, `event:approvalChanged` of `core-manager`,
 * granted by the policy like any method).
 */
export const OPERATOR_EVENTS: readonly EventSpec[] = [
  {
    name: 'grantChanged',
    params: ['change', 'at', 'id', 'caller', 'target', 'methods', 'expiresAt', 'reason'],
  },
  { name: 'approvalChanged', params: ['change', 'at', 'id', 'caller', 'target', 'methods'] },
];

/** `grantChanged` / `approvalChanged` for a capability event, or nothing for the others. */
export function operatorEventOf(
  e: CapabilityEvent,
  at: number,
):
  | { event: 'grantChanged'; change: GrantChange }
  | { event: 'approvalChanged'; change: ApprovalChange }
  | undefined {
  switch (e.kind) {
    case 'granted':
    case 'narrowed':
    case 'revoked': {
      const g = e.grant;
      const reason =
        e.kind === 'granted' ? g.reason : e.kind === 'revoked' ? e.reason : 'policy reload';
      const change: GrantChange = {
        change: e.kind,
        at,
        id: g.id,
        caller: g.caller,
        target: g.target,
        methods: [...g.methods],
        ...(e.kind === 'narrowed' ? { from: [...e.from] } : {}),
        expiresAt: g.expiresAt,
        reason,
      };
      return { event: 'grantChanged', change };
    }
    case 'asked':
    case 'approved':
    case 'denied-by-operator':
    case 'ask-withdrawn': {
      const { kind, ...rest } = e;
      return { event: 'approvalChanged', change: { change: kind, at, ...rest } };
    }
    default:
      return undefined;
  }
}

/**
 * Emit the capability module's grant changes and ask steps as the core's
 * events, to the operator sessions subscribed to them (each delivery
 * re-checks the session's grant). Returns an unsubscribe.
 */
export function forwardOperatorEvents(
  capability: CapabilityModule,
  proxy: ModuleProxy,
  now: () => number = Date.now,
): () => void {
  return capability.onEvent((e) => {
    const out = operatorEventOf(e, now());
    if (out) proxy.emit(out.event, out.change);
  });
}
