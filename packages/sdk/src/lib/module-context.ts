/** Per-call options for calls to other modules. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A typed client: every method of `T` returns a promise of its result. */
export type Client<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** Minimal logger a module gets. */
export interface ModuleLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Why a subscription ended without the module asking: what `ctx.on('revoked', …)` receives. */
export interface SubscriptionRevoked {
  /** The module whose event it was. */
  target: string;
  event: string;
  /** The policy's reason, or what else ended it (e.g. the target stayed unreachable). */
  reason: string;
}

/** The framework's own notices to a module, besides other modules' events. */
export interface LifecycleHooks {
  /**
   * A subscription cannot continue: the policy no longer grants it (a
   * reload revoked or narrowed it, a renewal was denied), or the target
   * stayed unreachable past the retry budget. Its listeners are removed;
   * to try again, subscribe again (after a delay: at once, the policy will
   * most likely say no again). A warning is logged as well.
   */
  revoked: (info: SubscriptionRevoked) => void;
  /**
   * `target` restarted: a new instance (incarnation) answers now, with none
   * of the previous one's in-memory state. Seen when this module next gets a
   * route to it: at once for targets it subscribes to, at the next call
   * otherwise. Subscriptions are carried over before this fires.
   */
  restarted: (target: string) => void;
}

/** The names of {@link LifecycleHooks}. */
export type LifecycleHook = keyof LifecycleHooks;

/** Every {@link LifecycleHook}, for hosts that check a hook name at run time. */
export const LIFECYCLE_HOOKS: readonly LifecycleHook[] = ['revoked', 'restarted'];

/**
 * What a module's code sees of the framework. Tokens never appear here: the
 * runtime requests, caches and refreshes them.
 */
export interface ModuleContext {
  readonly name: string;
  /**
   * This module's own private directory (mode 0700), kept across restarts:
   * in a sandboxed host the only place it may write, besides what its
   * manifest declares under `tessera.sandbox.write`.
   */
  readonly dataDir: string;
  /** A typed client for another module. */
  client<T extends object>(target: string): Client<T>;
  /** Call one method of another module. */
  call(target: string, method: string, args?: unknown[], options?: CallOptions): Promise<unknown>;
  /**
   * Subscribe to an event of another module; resolves to an unsubscribe.
   * The subscription is kept across token renewals, expiries and the
   * target's restarts without the module doing anything; if it cannot
   * continue, the `revoked` hook says so.
   */
  on(
    target: string,
    event: string,
    listener: (payload: unknown) => void,
  ): Promise<() => Promise<void>>;
  /**
   * Listen to one of the framework's own notices (two arguments: a hook
   * name, not a module): `'revoked'` when a subscription cannot continue,
   * `'restarted'` when a module this one uses restarted. Returns a remover.
   */
  on<H extends LifecycleHook>(hook: H, listener: LifecycleHooks[H]): () => void;
  /** Emit one of this module's declared events. */
  emit(event: string, payload?: unknown): void;
  readonly log: ModuleLogger;
}
