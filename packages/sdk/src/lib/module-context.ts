import type { CallerInfo } from './caller-info';
import type {
  Emit,
  EventName,
  EventPayload,
  EventSource,
  ModuleName,
  TesseraModules,
} from './module-registry';

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

/** What `ctx.delegate(target, options)` hands on. */
export interface DelegateOptions {
  /** The module that receives the grant. */
  to: string;
  /** Methods of the target to hand on: a subset of this module's grant (no `event:` scopes). */
  methods: string[];
  /** How long it lasts at most; never past this module's own grant. Default: as long as that. */
  ttlSeconds?: number;
}

/** A grant handed on with `ctx.delegate`: as the delegator sees it, never its token. */
export interface DelegatedGrant {
  /** The delegated grant's token id (public; `tessera inspect` shows it). */
  id: string;
  target: string;
  to: string;
  methods: string[];
  /** When it expires, ms since the epoch (no later than this module's own grant). */
  expiresAt: number;
  /** Who handed it on, from the original holder to this module. */
  chain: string[];
}

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

/**
 * A request for access to another module waits for the operator (the
 * policy answered `ask`): what `ctx.on('awaitingApproval', …)` receives.
 * The call that needed it waits meanwhile, within its timeout.
 */
export interface ApprovalPending {
  /** The module the request is for. */
  target: string;
  /** The request's id, as `tessera approvals` lists it. */
  id: string;
  /**
   * Six digits the operator sees beside the request: show it to them
   * (`tessera approve <id> --code <code>`) so they approve this request
   * and no other.
   */
  code: string;
  /** What the policy offers: an approval grants these or fewer. */
  methods: string[];
  /** The policy's reason. */
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
  /**
   * A request of this module waits for the operator's approval, with a
   * verification code to show them. Logged as well (`waiting for operator
   * approval …, code 123456`), so nobody needs to listen.
   */
  awaitingApproval: (info: ApprovalPending) => void;
}

/** The names of {@link LifecycleHooks}. */
export type LifecycleHook = keyof LifecycleHooks;

/** Every {@link LifecycleHook}, for hosts that check a hook name at run time. */
export const LIFECYCLE_HOOKS: readonly LifecycleHook[] = [
  'revoked',
  'restarted',
  'awaitingApproval',
];

/**
 * What a module's code sees of the framework. Tokens never appear here: the
 * runtime requests, caches and refreshes them. `Self` is the module's own
 * name (inferred by `defineModule`), which types its `emit`.
 */
export interface ModuleContext<Self extends string = string> {
  readonly name: string;
  /**
   * This module's own private directory (mode 0700), kept across restarts:
   * in a sandboxed host the only place it may write, besides what its
   * manifest declares under `tessera.sandbox.write`.
   */
  readonly dataDir: string;
  /**
   * A typed client for another module, by its name alone when the module
   * is registered in {@link TesseraModules} (import its package's types); a
   * name that is not registered is a compile error.
   */
  client<N extends ModuleName>(target: N): Client<TesseraModules[N]>;
  /**
   * A client typed by hand (`ctx.client<StorageApi>('storage')`), for
   * modules not in the registry; without a type argument the name must be
   * registered. The type argument is not checked against the registry.
   */
  client<T extends object = never>(target: [T] extends [never] ? ModuleName : string): Client<T>;
  /** Call one method of another module. */
  call(target: string, method: string, args?: unknown[], options?: CallOptions): Promise<unknown>;
  /**
   * Subscribe to an event of another module; resolves to an unsubscribe.
   * The subscription is kept across token renewals, expiries and the
   * target's restarts without the module doing anything; if it cannot
   * continue, the `revoked` hook says so.
   */
  on<N extends EventSource, E extends EventName<N>>(
    target: N,
    event: E,
    listener: (payload: EventPayload<N, E>) => void,
  ): Promise<() => Promise<void>>;
  /** The same, for a module whose events are not registered in `TesseraEvents`: payloads are `unknown`. */
  on<T extends string>(
    target: T extends EventSource ? never : T,
    event: string,
    listener: (payload: unknown) => void,
  ): Promise<() => Promise<void>>;
  /**
   * Listen to one of the framework's own notices (two arguments: a hook
   * name, not a module): `'revoked'` when a subscription cannot continue,
   * `'restarted'` when a module this one uses restarted, `'awaitingApproval'`
   * when a request waits for the operator. Returns a remover.
   */
  on<H extends LifecycleHook>(hook: H, listener: LifecycleHooks[H]): () => void;
  /**
   * Emit one of this module's declared events; checked against its
   * registered events (`TesseraEvents`), when it registered them.
   */
  readonly emit: Emit<Self>;
  /**
   * Hand part of this module's own grant on `target` to module `options.to`,
   * through the capability module and with the policy's consent: `methods`
   * must be methods this module's grant holds (asking for more is refused,
   * not cut down), and the delegation never outlives that grant
   * (`ttlSeconds` shortens it). `to` then calls `target` like any module,
   * its calls carrying the delegated token for those methods; revoking this
   * module's grant (unload, crash, reload, operator) revokes it too.
   * Resolves to the delegated grant (never its token); refusals reject with
   * `PERMISSION_DENIED` and the reason.
   */
  delegate(target: string, options: DelegateOptions): Promise<DelegatedGrant>;
  /**
   * During a call to one of this module's methods: who is calling, and
   * under which grant. Read it in the synchronous part of the method, before
   * its first `await` (keep it in a `const`); anywhere else it throws
   * `FAILED_PRECONDITION` rather than name another call's caller.
   */
  readonly caller: CallerInfo;
  /**
   * During a call: aborted when the caller cancels, its call times out, or
   * its connection goes. Same rule as {@link caller}: read it before the
   * first `await`, then pass it on (`fetch(url, {signal})`) or watch it.
   */
  readonly signal: AbortSignal;
  readonly log: ModuleLogger;
}
