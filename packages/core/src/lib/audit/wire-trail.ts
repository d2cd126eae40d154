import type { CapabilityModule } from '@tessera/capability';
import type { CallDenial, ModuleProxy } from '@tessera/proxy';
import type { DeniedCalls } from '@tessera/host';
import type { CoreEvents } from '../lifecycle/core-events';
import { SECURITY_EVENT_SPEC } from './security-event';
import type { SecurityTrail } from './security-trail';
import { capabilityEvent, lifecycleRecorder } from './trail-sources';

/** One refusal of a door in this process, as the aggregator counts reported ones. */
export function deniedCall(d: CallDenial): DeniedCalls {
  return {
    ...(d.caller !== undefined ? { caller: d.caller } : {}),
    code: d.code,
    ...(d.grant !== undefined ? { grant: d.grant } : {}),
    reason: d.reason,
    methods: [d.method],
    count: 1,
  };
}

/**
 * Feed the trail from the core's own sources (the capability module's
 * grant and ask events, lifecycle events) and emit every event to the
 * operators subscribed to `security` on the core's proxy (each delivery
 * re-checks the session's grant). Returns an unsubscribe.
 */
export function wireTrail(
  trail: SecurityTrail,
  sources: { capability: CapabilityModule; events: CoreEvents; proxy: ModuleProxy },
): () => void {
  const offCapability = sources.capability.onEvent((e) => {
    const line = capabilityEvent(e);
    if (line) trail.record(line);
  });
  const offLifecycle = sources.events.on(lifecycleRecorder(trail));
  const offEmit = trail.on((e) => sources.proxy.emit(SECURITY_EVENT_SPEC.name, e));
  return () => {
    offCapability();
    offLifecycle();
    offEmit();
  };
}
