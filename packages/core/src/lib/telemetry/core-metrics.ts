import { type BatchObservableCallback, metrics } from '@opentelemetry/api';
import type { CoreEvent } from '../lifecycle/core-events';

/** What the core's metrics read: live grants, loaded modules, lifecycle events. */
export interface ObservedCore {
  readonly capability: { grants(): readonly unknown[] };
  listModules(): readonly { state: string }[];
  onEvent(listener: (e: CoreEvent) => void): () => void;
}

/**
 * The core's metrics, through the OpenTelemetry metrics API: live grants
 * and modules by state (observed when the app's reader collects), module
 * crashes and restarts (counted as they happen). Per-call counts and
 * latencies come from the RPC layer (`tessera.rpc.server.*`). Nothing is
 * registered when the app has no meter provider at start; returns the
 * function that stops observing.
 */
export function observeCore(core: ObservedCore): () => void {
  const meter = metrics.getMeter('@tessera/core');
  const grants = meter.createObservableGauge('tessera.grants.live', {
    description: 'Live grants (tokens) the capability module has issued and not revoked',
  });
  const modules = meter.createObservableGauge('tessera.modules', {
    description: 'Modules by lifecycle state',
  });
  const observe: BatchObservableCallback = (result) => {
    result.observe(grants, core.capability.grants().length);
    const byState = new Map<string, number>();
    for (const m of core.listModules()) byState.set(m.state, (byState.get(m.state) ?? 0) + 1);
    for (const [state, count] of byState)
      result.observe(modules, count, { 'tessera.state': state });
  };
  meter.addBatchObservableCallback(observe, [grants, modules]);
  const restarts = meter.createCounter('tessera.module.restarts', {
    description: 'Restarts of crashed modules, by module',
  });
  const crashes = meter.createCounter('tessera.module.crashes', {
    description: 'Module hosts that exited unasked, by module',
  });
  const off = core.onEvent((e) => {
    if (e.kind === 'restarting') restarts.add(1, { 'tessera.module': e.module });
    else if (e.kind === 'crashed') crashes.add(1, { 'tessera.module': e.module });
  });
  return () => {
    off();
    meter.removeBatchObservableCallback(observe, [grants, modules]);
  };
}
