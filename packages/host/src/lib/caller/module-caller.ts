import { ErrorCode, TesseraError, type EventFrame } from '@tessera/protocol';
import type { RpcPeer } from '@tessera/transport';
import type { CallOptions } from '@tessera/sdk';
import type { ModuleRoute } from '../contracts/module-core-api';

/** The host's authenticated channel to the core. */
export interface CoreLink {
  requestModule(target: string): Promise<ModuleRoute>;
}

/** Opens a connection to another module's endpoint. */
export type Dialer = (
  address: string,
  onEvent: (event: EventFrame) => void,
  serverKey?: string,
) => Promise<RpcPeer>;

/** The caller-side token store (the module's TokenManager fits). */
export interface OutboundTokens {
  outbound(target: string): { token: string } | undefined;
  setOutbound(target: string, token: string, methods: readonly string[], expiresAt: number): void;
  dropOutbound(target: string): boolean;
}

interface Route {
  address: string;
  serverKey?: string;
  peer?: RpcPeer;
  dialing?: Promise<RpcPeer>;
}

/**
 * The client side of a module: requests a token per target once, caches
 * it with the target's connection, and on an `UNAUTHENTICATED` answer
 * (expired, revoked, target restarted) drops it and re-requests exactly once.
 */
export class ModuleCaller {
  private readonly routes = new Map<string, Route>();
  private readonly requests = new Map<string, Promise<Route>>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  constructor(
    readonly name: string,
    private readonly core: CoreLink,
    private readonly dial: Dialer,
    private readonly tokens: OutboundTokens,
  ) {}

  /** Call `method` on `target`, handling tokens transparently. */
  call(
    target: string,
    method: string,
    args: unknown[],
    options: CallOptions = {},
  ): Promise<unknown> {
    const token = this.tokens.outbound(target)?.token;
    const peer = this.routes.get(target)?.peer;
    if (token && peer && !peer.closed) {
      // Fast path: cached token and live connection, no extra awaits or promises.
      const recover = (err: TesseraError) => this.retry(err, target, method, args, options);
      return peer.call(
        method,
        args,
        { timeoutMs: options.timeoutMs, signal: options.signal, recover },
        token,
      );
    }
    return this.slowCall(target, method, args, options, true);
  }

  /** Subscribe to `event` of `target`. */
  async on(
    target: string,
    event: string,
    listener: (payload: unknown) => void,
  ): Promise<() => Promise<void>> {
    await this.call(target, '$subscribe', [event]);
    const key = `${target}\u0000${event}`;
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(key);
        await this.call(target, '$unsubscribe', [event]).catch(() => undefined);
      }
    };
  }

  /** Forget the route to `target` (revoked, or target gone). */
  forget(target: string): void {
    this.tokens.dropOutbound(target);
    const route = this.routes.get(target);
    this.routes.delete(target);
    void route?.peer?.close();
  }

  async close(): Promise<void> {
    const peers = [...this.routes.values()]
      .map((r) => r.peer)
      .filter((p): p is RpcPeer => p !== undefined);
    this.routes.clear();
    this.listeners.clear();
    await Promise.all(peers.map((p) => p.close()));
  }

  private async retry(
    err: TesseraError,
    target: string,
    method: string,
    args: unknown[],
    options: CallOptions,
  ): Promise<unknown> {
    if (err.code !== ErrorCode.UNAUTHENTICATED) throw err;
    this.tokens.dropOutbound(target);
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
    if (!token || !route) {
      route = await this.request(target);
      token = this.tokens.outbound(target)?.token;
      if (!token) throw TesseraError.unauthenticated(`no token for ${target}`);
    }
    const peer = await this.connect(target, route);
    const recover = mayRetry
      ? (err: TesseraError) => this.retry(err, target, method, args, options)
      : undefined;
    return peer.call(
      method,
      args,
      { timeoutMs: options.timeoutMs, signal: options.signal, recover },
      token,
    );
  }

  /** One requestModule per target at a time, however many callers wait. */
  private request(target: string): Promise<Route> {
    let pending = this.requests.get(target);
    if (!pending) {
      pending = this.core
        .requestModule(target)
        .then((answer) => {
          this.tokens.setOutbound(target, answer.token, answer.methods, answer.expiresAt);
          const existing = this.routes.get(target);
          if (existing && existing.address === answer.address) return existing;
          if (existing) void existing.peer?.close();
          const route: Route = answer.serverKey
            ? { address: answer.address, serverKey: answer.serverKey }
            : { address: answer.address };
          this.routes.set(target, route);
          return route;
        })
        .finally(() => this.requests.delete(target));
      this.requests.set(target, pending);
    }
    return pending;
  }

  private async connect(target: string, route: Route): Promise<RpcPeer> {
    if (route.peer && !route.peer.closed) return route.peer;
    if (!route.dialing) {
      // Events are attributed to the module whose connection they arrived on,
      // never to the `source` a frame claims: a module cannot speak for another.
      route.dialing = this.dial(
        route.address,
        (e) => this.deliver(target, e),
        route.serverKey,
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

  private deliver(from: string, e: EventFrame): void {
    const set = this.listeners.get(`${from}\u0000${e.name}`);
    if (!set) return;
    for (const l of set) {
      try {
        l(e.payload);
      } catch {
        // a failing listener must not stop delivery to the others
      }
    }
  }
}
