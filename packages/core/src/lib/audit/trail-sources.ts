import type { CapabilityEvent } from '@tessera/capability';
import type { PolicyEngine } from '@tessera/policy';
import type { CoreEvent } from '../lifecycle/core-events';
import type { GrantCause, SecurityEventInput } from './security-event';
import type { SecurityTrail } from './security-trail';

/** Why a grant was revoked, from the reason the capability module gives (one place reads them). */
export function causeOf(reason: string): GrantCause {
  if (reason.startsWith('parent revoked')) return 'parent revoked';
  if (reason === 'expired') return 'expiry';
  if (reason.startsWith('crashed')) return 'crash';
  if (reason.startsWith('policy reload')) return 'reload';
  if (reason.startsWith('revoked by the operator')) return 'operator';
  if (reason === 'released') return 'released';
  if (reason === 'operator session closed') return 'session closed';
  if (
    ['unloaded', 'failed to start', 'core shutting down', 'remote host did not register'].includes(
      reason,
    ) ||
    reason.startsWith('replaced by')
  )
    return 'unload';
  return 'other';
}

/** The trail's line for a capability event (grants, delegations, requests put to the operator). */
export function capabilityEvent(e: CapabilityEvent): SecurityEventInput | undefined {
  switch (e.kind) {
    case 'granted': {
      const g = e.grant;
      const delegated = g.parent !== undefined;
      return {
        kind: delegated ? 'delegation.granted' : 'grant.issued',
        outcome: 'success',
        subject: g.caller,
        target: g.target,
        reason: g.reason,
        grant: g.id,
        methods: g.methods,
        expiresAt: g.expiresAt,
        ...(delegated ? { parent: g.parent, chain: g.chain ?? [] } : {}),
      };
    }
    case 'denied':
      return {
        kind: e.delegatedBy !== undefined ? 'delegation.denied' : 'grant.denied',
        outcome: 'denied',
        subject: e.caller,
        target: e.target,
        reason: e.reason,
        methods: e.methods,
        ...(e.delegatedBy !== undefined ? { chain: [e.delegatedBy] } : {}),
      };
    case 'narrowed':
      return {
        kind: 'grant.narrowed',
        outcome: 'success',
        subject: e.grant.caller,
        target: e.grant.target,
        reason: `narrowed from ${e.from.join(', ')} to ${e.grant.methods.join(', ')}`,
        ...(e.grant.parent === undefined ? { cause: 'reload' as const } : {}),
        grant: e.grant.id,
        methods: e.grant.methods,
        ...(e.grant.parent !== undefined ? { parent: e.grant.parent } : {}),
      };
    case 'revoked':
      return {
        kind: 'grant.revoked',
        outcome: 'success',
        subject: e.grant.caller,
        target: e.grant.target,
        reason: e.reason,
        cause: causeOf(e.reason),
        grant: e.grant.id,
        methods: e.grant.methods,
        ...(e.grant.parent !== undefined ? { parent: e.grant.parent } : {}),
      };
    case 'asked':
      return {
        kind: 'request.asked',
        outcome: 'success',
        subject: e.caller,
        target: e.target,
        reason: e.reason,
        methods: e.methods,
        request: e.id,
      };
    case 'approved':
      return {
        kind: 'request.approved',
        outcome: 'success',
        subject: e.caller,
        target: e.target,
        reason:
          e.by === 'remembered' ? 'approved earlier (remembered)' : 'approved by the operator',
        methods: e.methods,
        request: e.id,
      };
    case 'denied-by-operator':
      return {
        kind: 'request.denied',
        outcome: 'denied',
        subject: e.caller,
        target: e.target,
        reason: e.reason,
        methods: e.methods,
        request: e.id,
      };
    case 'ask-withdrawn':
      return {
        kind: 'request.withdrawn',
        outcome: 'failure',
        subject: e.caller,
        target: e.target,
        reason: e.reason,
        methods: e.methods,
        request: e.id,
      };
    default:
      return undefined;
  }
}

/**
 * Lifecycle as the trail tells it: loaded (or restarted, after a crash),
 * crashed, failed, unloaded. `restarting` marks the next `ready` as a restart.
 */
export function lifecycleRecorder(trail: SecurityTrail): (e: CoreEvent) => void {
  const restarting = new Set<string>();
  return (e) => {
    const base = { subject: e.module, target: 'core' };
    switch (e.kind) {
      case 'restarting':
        restarting.add(e.module);
        return;
      case 'ready': {
        const again = restarting.delete(e.module);
        trail.record({
          ...base,
          kind: again ? 'module.restarted' : 'module.loaded',
          outcome: 'success',
          reason: `${again ? 'restarted' : 'ready'} in ${e.ms} ms${e.pid ? ` (pid ${e.pid})` : ''}`,
        });
        return;
      }
      case 'crashed':
        trail.record({
          ...base,
          kind: 'module.crashed',
          outcome: 'failure',
          reason: `${e.reason}; ${e.revoked} grant${e.revoked === 1 ? '' : 's'} revoked`,
        });
        return;
      case 'failed':
        restarting.delete(e.module);
        trail.record({ ...base, kind: 'module.failed', outcome: 'failure', reason: e.reason });
        return;
      case 'unloaded':
        trail.record({ ...base, kind: 'module.unloaded', outcome: 'success', reason: 'unloaded' });
        return;
      default:
        return;
    }
  };
}

/** Policy loads: a new revision in force, or a bundle or reload rejected (the old one stays). */
export function watchPolicy(trail: SecurityTrail, engine: PolicyEngine): () => void {
  const offChange = engine.onChange((revision) =>
    trail.record({
      kind: 'policy.reloaded',
      outcome: 'success',
      target: 'core',
      reason: `policy revision ${revision} in force`,
    }),
  );
  const offError = engine.onError?.((err) =>
    trail.record({
      kind: 'policy.rejected',
      outcome: 'failure',
      target: 'core',
      reason: err.message,
    }),
  );
  return () => {
    offChange();
    offError?.();
  };
}
