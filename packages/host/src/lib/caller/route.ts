import type { CallOptions, RpcPeer } from '@tessera/transport';
import type { ModuleRoute } from '../contracts/module-core-api';
import { REGAIN_INTERVAL_MS } from './renewal';

/** One target as a caller knows it: address, connection, and its token's schedule and scope. */
export interface Route {
  address: string;
  serverKey?: string;
  /** The target's incarnation at `address`, when the core said. */
  incarnation?: number;
  peer?: RpcPeer;
  dialing?: Promise<RpcPeer>;
  /** When to renew the token for this target (the token store's clock). */
  renewAt: number;
  /** The token's scope as issued, less what reloads took away since. */
  scope: ReadonlySet<string>;
  /** Events reloads took away since the token was issued: a later request may get them back. */
  lost?: Set<string>;
  /** Not before this time does a `$subscribe` denied a lost event ask for a new token again. */
  regainAt?: number;
  /** The RPC options shared by this route's calls with `token` and no options of their own. */
  callOptions?: { token: string; options: CallOptions };
}

/**
 * The route for a new token: `current` updated in place when the same
 * incarnation answers at the same address (its connection is kept), else a
 * new one (the caller closes the old connection). What a reload took and the
 * new token still lacks stays remembered.
 */
export function routeFor(
  current: Route | undefined,
  answer: ModuleRoute,
  renewAt: number,
  restarted: boolean,
): Route {
  const scope = new Set(answer.methods);
  const lost = [...(current?.lost ?? [])].filter((m) => !scope.has(m));
  const stillLost = lost.length > 0 ? new Set(lost) : undefined;
  if (current && current.address === answer.address && !restarted) {
    current.renewAt = renewAt;
    current.scope = scope;
    current.lost = stillLost;
    return current;
  }
  return {
    address: answer.address,
    renewAt,
    scope,
    ...(stillLost ? { lost: stillLost } : {}),
    ...(answer.serverKey ? { serverKey: answer.serverKey } : {}),
    ...(answer.incarnation !== undefined ? { incarnation: answer.incarnation } : {}),
  };
}

/** A reload narrowed the token to `methods`: remember the events it took. */
export function narrowRoute(route: Route, methods: readonly string[]): void {
  const kept = new Set(methods);
  for (const m of route.scope) {
    if (kept.has(m) || !m.startsWith('event:')) continue;
    route.lost ??= new Set();
    route.lost.add(m);
  }
  route.scope = kept;
}

/**
 * Whether a `$subscribe` denied `event` may ask for a new token: the event
 * was taken by a reload (the policy may give it back by now), and not more
 * than once a second per target.
 */
export function mayRegain(route: Route | undefined, event: unknown, now: number): boolean {
  if (!route?.lost?.has(`event:${String(event)}`) || now < (route.regainAt ?? 0)) return false;
  route.regainAt = now + REGAIN_INTERVAL_MS;
  return true;
}
