import type {
  ApprovalPending,
  LifecycleHook,
  LifecycleHooks,
  ModuleLogger,
  SubscriptionRevoked,
} from '@tessera/sdk';

/**
 * The `revoked`, `restarted` and `awaitingApproval` hooks of one module: listeners added through
 * `ctx.on(hook, listener)`, and a log line for each notice, so none is ever
 * silent even when nobody listens.
 */
export class LifecycleNotices {
  private readonly listeners: { [H in LifecycleHook]: Set<LifecycleHooks[H]> } = {
    revoked: new Set(),
    restarted: new Set(),
    awaitingApproval: new Set(),
  };

  constructor(private readonly log?: ModuleLogger) {}

  on<H extends LifecycleHook>(hook: H, listener: LifecycleHooks[H]): () => void {
    const set = this.listeners[hook] as Set<LifecycleHooks[H]>;
    set.add(listener);
    return () => void set.delete(listener);
  }

  revoked(info: SubscriptionRevoked): void {
    this.log?.warn(`subscription to ${info.target}.${info.event} ended: ${info.reason}`, {
      target: info.target,
      event: info.event,
    });
    for (const l of this.listeners.revoked) guarded(() => l({ ...info }));
  }

  restarted(target: string): void {
    this.log?.info(`${target} restarted: a new instance answers now`, { target });
    for (const l of this.listeners.restarted) guarded(() => l(target));
  }

  awaitingApproval(info: ApprovalPending): void {
    const methods = info.methods.length > 0 ? ` (${info.methods.join(', ')})` : '';
    // One self-contained line: what the module author reads while the call waits.
    this.log?.info(
      `waiting for operator approval to call ${info.target}${methods}: request ${info.id}, code ${info.code} (${info.reason})`,
    );
    for (const l of this.listeners.awaitingApproval)
      guarded(() => l({ ...info, methods: [...info.methods] }));
  }

  clear(): void {
    this.listeners.revoked.clear();
    this.listeners.restarted.clear();
    this.listeners.awaitingApproval.clear();
  }
}

/** A failing hook must not stop the others, nor the caller's own bookkeeping. */
function guarded(fn: () => void): void {
  try {
    fn();
  } catch {
    // the module's own error; nothing to do for it here
  }
}
