import { ErrorCode, TesseraError, type EventFrame } from '@tessera/protocol';
import type { CallOptions as RpcCallOptions, Recover, RpcPeer } from '@tessera/transport';
import type {
  ApprovalPending,
  CallOptions,
  LifecycleHook,
  LifecycleHooks,
  ModuleLogger,
} from '@tessera/sdk';
import type { DelegatedRoute, ModuleRoute } from '../contracts/module-core-api';
import { HandedTokens } from './handed-tokens';
import { LifecycleNotices } from './lifecycle-notices';
import { RENEWAL_RETRY_MS, type ResubscribeOptions, renewalDue } from './renewal';
import { type Route, mayRegain, narrowRoute, routeFor } from './route';
import { SharedRequest } from './shared-request';
import { SubscriptionKeeper } from './subscription-keeper';
import { Subscriptions } from './subscriptions';

const settled = Promise.resolve();

/** What a call without options of its own is given (shared: never mutated). */
const NO_OPTIONS: CallOptions = Object.freeze({});

/** The host's authenticated channel to the core. */
export interface CoreLink {
  /**
   * Ask the core for `target`. `signal` is aborted when every call waiting
   * for the answer gave up (the core then drops a request held for the
   * operator); `timeoutMs` is the first waiting call's own timeout.
   */
  requestModule(
    target: string,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ModuleRoute>;
}

/**
 * Opens a connection to another module's endpoint. `onClose` is called
 * once when that connection ends (the target died, or either side closed it).
 * `target` names the module there (for spans and metrics).
 */
export type Dialer = (
  address: string,
  onEvent: (event: EventFrame) => void,
  serverKey?: string,
  onClose?: () => void,
  target?: string,
) => Promise<RpcPeer>;

/** The caller-side token store (the module's TokenManager fits). */
export interface OutboundTokens {
  /** The unexpired token for `target`; `now` (this store's clock) saves it a second reading. */
  outbound(target: string, now?: number): { token: string } | undefined;
  setOutbound(target: string, token: string, methods: readonly string[], expiresAt: number): void;
  dropOutbound(target: string): boolean;
  /** The clock expiries are measured against; default `Date.now`. */
  now?(): number;
}

/** Options of a {@link ModuleCaller}. */
export interface ModuleCallerOptions {
  /** Where `revoked` and `restarted` notices are logged (the module's `ctx.log`). */
  log?: ModuleLogger;
  /** How a subscription whose connection or grant was lost is restored. */
  resubscribe?: ResubscribeOptions;
}

/**
 * The client side of a module. Requests a token per target (one request
 * however many calls wait), caches it with the target's connection, and
 * renews it in the background once it nears its expiry, calls going on
 * with the current one meanwhile. A call the target refuses as
 * `UNAUTHENTICATED` (expired, revoked, restarted, or raced by a renewal) is
 * retried exactly once, with a newer token or a fresh request. Event
 * subscriptions are kept through renewals and restarts
 * ({@link SubscriptionKeeper}); restarts and lost subscriptions are told
 * through {@link LifecycleNotices}.
 */
export class ModuleCaller {
  private readonly routes = new Map<string, Route>();
  private readonly requests = new Map<string, SharedRequest<Route>>();
  /** The last incarnation seen per target, kept across forgets: a new one is a restart. */
  private readonly incarnations = new Map<string, number>();
  private readonly subscriptions = new Subscriptions();
  private readonly notices: LifecycleNotices;
  private readonly keeper: SubscriptionKeeper;
  /** Tokens other modules delegated to this one, beside its own. */
  private readonly handed: HandedTokens;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly core: CoreLink,
    private readonly dial: Dialer,
    private readonly tokens: OutboundTokens,
    options: ModuleCallerOptions = {},
  ) {
    this.notices = new LifecycleNotices(options.log);
    this.handed = new HandedTokens(dial, () => this.now());
    this.keeper = new SubscriptionKeeper({
      subscriptions: this.subscriptions,
      notices: this.notices,
      now: () => this.now(),
      request: (target) => this.request(target),
      route: (target) => this.routes.get(target),
      drop: (target) => this.dropRoute(target),
      subscribe: (target, route, event) => this.subscribeOn(target, route, event),
      options: options.resubscribe,
    });
  }

  /** Call `method` on `target`, handling tokens transparently. */
  call(
    target: string,
    method: string,
    args: unknown[],
    options: CallOptions = NO_OPTIONS,
  ): Promise<unknown> {
    if (this.handed.holds(target)) {
      // A method the module's own grant lacks may be covered by one handed to it.
      const handed = this.handed.pick(target, method, this.routes.get(target)?.scope);
      if (handed) return this.handed.call(handed, method, args, options);
    }
    const now = this.callClock(); // one reading for the token's expiry and its renewal
    const token = this.tokens.outbound(target, now)?.token;
    const route = this.routes.get(target);
    const peer = route?.peer;
    if (token && route && peer && !peer.closed) {
      // Fast path: cached token and live connection, no extra awaits or promises.
      if (now >= route.renewAt) this.renewInBackground(target);
      return peer.call(method, args, this.callOptions(route, target, token, options), token);
    }
    return this.slowCall(target, method, args, options, true);
  }

  /**
   * What the RPC layer gets for a call with `token`: its retry on a refusal.
   * A call without a timeout or signal of its own (most) shares one object
   * per route and token, so the fast path allocates no closure.
   */
  private callOptions(
    route: Route,
    target: string,
    token: string,
    options: CallOptions,
  ): RpcCallOptions {
    if (options.timeoutMs === undefined && options.signal === undefined) {
      const shared = route.callOptions;
      if (shared !== undefined && shared.token === token) return shared.options;
      const recover: Recover = (err, method, args) =>
        this.retry(err, token, target, method, args, NO_OPTIONS);
      route.callOptions = { token, options: { recover } };
      return route.callOptions.options;
    }
    const recover: Recover = (err, method, args) =>
      this.retry(err, token, target, method, args, options);
    return { timeoutMs: options.timeoutMs, signal: options.signal, recover };
  }

  /** Subscribe to `event` of `target`; kept until unsubscribed, or revoked (and then told). */
  async on(
    target: string,
    event: string,
    listener: (payload: unknown) => void,
  ): Promise<() => Promise<void>> {
    await this.call(target, '$subscribe', [event]);
    this.subscriptions.add(target, event, listener);
    this.keeper.watch(target);
    return async () => {
      if (!this.subscriptions.remove(target, event, listener)) return;
      await this.call(target, '$unsubscribe', [event]).catch(() => undefined);
    };
  }

  /** The core holds a request of this module for the operator: log the code, tell the listeners. */
  awaitingApproval(notice: ApprovalPending): void {
    this.notices.awaitingApproval(notice);
  }

  /** Listen to a lifecycle notice (`revoked`, `restarted`, `awaitingApproval`); returns a remover. */
  onLifecycle<H extends LifecycleHook>(hook: H, listener: LifecycleHooks[H]): () => void {
    return this.notices.on(hook, listener);
  }

  /**
   * Forget the route to `target`: the core revoked the grant (the target
   * crashed or was unloaded, the TTL ran out, a reload or an operator took
   * it). Subscriptions to it ask for a new grant at once, and are told
   * `revoked` if the policy says no.
   */
  forget(target: string): void {
    this.dropRoute(target);
    this.keeper.restore(target);
  }

  /**
   * The core narrowed the grant on `target` to `methods` (a reload):
   * subscriptions outside it end, and say so. What was taken is remembered,
   * so that a module subscribing again once a later reload allows it gets a
   * new token instead of waiting for the next renewal.
   */
  narrowed(target: string, methods: readonly string[]): void {
    const route = this.routes.get(target);
    if (route) narrowRoute(route, methods);
    this.keeper.narrowed(target, methods);
  }

  /**
   * Another module delegated part of its grant on `route.target` to this
   * one: its token is used for the methods it covers that this module's own
   * grant lacks, until it expires or the target refuses it.
   */
  delegated(route: DelegatedRoute): void {
    if (this.closed) throw TesseraError.unavailable(`module ${this.name} is stopping`);
    this.handed.add(route);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.handed.closeAll();
    this.keeper.close();
    this.notices.clear();
    this.subscriptions.clear();
    const peers = [...this.routes.values()]
      .map((r) => r.peer)
      .filter((p): p is RpcPeer => p !== undefined);
    this.routes.clear();
    await Promise.all(peers.map((p) => p.close()));
  }

  private now(): number {
    return this.tokens.now?.() ?? Date.now();
  }

  /**
   * The clock as the call path reads it: one reading serves every call made
   * in the same synchronous run (it is forgotten at the next microtask). A
   * caller's view of its token's expiry is a convenience, never a check:
   * the target's door reads its own clock on every call, and a token it
   * finds expired is refused and the call retried with a new one. So a
   * reading a few microseconds old costs at worst one such retry, and saves
   * most calls a clock read (~40-80 ns here).
   */
  private callClock(): number {
    let now = this.reading;
    if (now === undefined) {
      now = this.reading = this.now();
      void settled.then(this.forgetReading);
    }
    return now;
  }
  private reading: number | undefined = undefined;
  private readonly forgetReading = (): void => {
    this.reading = undefined;
  };

  /** Drop the token, route and connection for `target`. */
  private dropRoute(target: string): void {
    this.tokens.dropOutbound(target);
    const route = this.routes.get(target);
    this.routes.delete(target);
    void route?.peer?.close();
  }

  /** A renewal nobody waits for; failing, it is tried again a little later. */
  private renewInBackground(target: string): void {
    if (this.requests.has(target) || this.closed) return;
    this.request(target).catch(() => {
      const route = this.routes.get(target);
      if (route) route.renewAt = this.now() + RENEWAL_RETRY_MS;
    });
  }

  private async retry(
    err: TesseraError,
    used: string,
    target: string,
    method: string,
    args: unknown[],
    options: CallOptions,
  ): Promise<unknown> {
    // A `$subscribe` denied an event a reload took may ask again; a denied call never does
    // (it would cost a policy decision per call): its scope comes back with the next renewal.
    const regain =
      err.code === ErrorCode.PERMISSION_DENIED &&
      method === '$subscribe' &&
      mayRegain(this.routes.get(target), args[0], this.now());
    if (err.code !== ErrorCode.UNAUTHENTICATED && !regain) throw err;
    // Refused: that token is dead. A newer one (a renewal raced the call) is kept and used.
    if (this.tokens.outbound(target)?.token === used) this.tokens.dropOutbound(target);
    return this.slowCall(target, method, args, options, false);
  }

  private async slowCall(
    target: string,
    method: string,
    args: unknown[],
    options: CallOptions,
    mayRetry: boolean,
  ): Promise<unknown> {
    let token = this.tokens.outbound(target)?.token;
    let route = this.routes.get(target);
    let timeoutMs = options.timeoutMs;
    if (!token || !route) {
      // The call's timeout and signal cover the request too (it may wait for the operator).
      const started = Date.now();
      route = await this.request(target, options);
      if (timeoutMs !== undefined) timeoutMs = Math.max(1, timeoutMs - (Date.now() - started));
      token = this.tokens.outbound(target)?.token;
      if (!token) throw TesseraError.unauthenticated(`no token for ${target}`);
    }
    let peer: RpcPeer;
    try {
      peer = await this.connect(target, route);
    } catch (err) {
      // The address is gone (the target restarted elsewhere): one fresh route, never a loop.
      if (!mayRetry || (err as TesseraError)?.code !== ErrorCode.UNAVAILABLE) throw err;
      this.dropRoute(target);
      return this.slowCall(target, method, args, options, false);
    }
    const used = token;
    const recover = mayRetry
      ? (e: TesseraError) => this.retry(e, used, target, method, args, options)
      : undefined;
    return peer.call(method, args, { timeoutMs, signal: options.signal, recover }, token);
  }

  /**
   * One requestModule per target at a time, however many callers wait; each
   * waits within its own timeout and signal, and the request is cancelled
   * once none waits any more.
   */
  private request(target: string, wait: CallOptions = {}): Promise<Route> {
    let pending = this.requests.get(target);
    if (!pending) {
      const shared: SharedRequest<Route> = new SharedRequest((signal) =>
        this.core
          .requestModule(target, { signal, timeoutMs: wait.timeoutMs })
          .then((answer) => this.adopt(target, answer))
          .finally(() => {
            if (this.requests.get(target) === shared) this.requests.delete(target);
          }),
      );
      this.requests.set(target, (pending = shared));
    }
    return pending.wait(wait, `access to ${target}`);
  }

  /** Take a new token and route for `target`; a new incarnation means it restarted. */
  private adopt(target: string, answer: ModuleRoute): Route {
    if (this.closed) throw TesseraError.unavailable(`module ${this.name} is stopping`);
    const renewAt = renewalDue(this.now(), answer.expiresAt);
    this.tokens.setOutbound(target, answer.token, answer.methods, answer.expiresAt);
    const seen = this.incarnations.get(target);
    const { incarnation } = answer;
    if (incarnation !== undefined) this.incarnations.set(target, incarnation);
    const restarted = seen !== undefined && incarnation !== undefined && incarnation !== seen;
    const current = this.routes.get(target);
    const route = routeFor(current, answer, renewAt, restarted);
    if (route !== current) {
      void current?.peer?.close();
      this.routes.set(target, route);
    }
    this.keeper.adopted(target, route);
    if (restarted) this.notices.restarted(target);
    return route;
  }

  /** Send one `$subscribe` for `event` with the current token, on `route`'s connection. */
  private async subscribeOn(target: string, route: Route, event: string): Promise<void> {
    const token = this.tokens.outbound(target)?.token;
    if (!token) throw TesseraError.unauthenticated(`no token for ${target}`);
    const peer = await this.connect(target, route);
    await peer.call('$subscribe', [event], {}, token);
  }

  private async connect(target: string, route: Route): Promise<RpcPeer> {
    if (route.peer && !route.peer.closed) return route.peer;
    if (!route.dialing) {
      // Events are attributed to the module whose connection they arrived on,
      // never to the `source` a frame claims: a module cannot speak for another.
      route.dialing = this.dial(
        route.address,
        (e) => this.subscriptions.deliver(target, e),
        route.serverKey,
        () => {
          if (!this.closed && this.routes.get(target) === route) this.keeper.lost(target);
        },
        target,
      ).then(
        (peer) => {
          route.peer = peer;
          route.dialing = undefined;
          return peer;
        },
        (err) => {
          route.dialing = undefined;
          if (this.routes.get(target) === route) this.routes.delete(target);
          throw err;
        },
      );
    }
    return route.dialing;
  }
}
