import { ErrorCode, TesseraError } from '@tessera/protocol';
import type { CallOptions } from '@tessera/sdk';
import type { RpcPeer } from '@tessera/transport';
import type { DelegatedRoute } from '../contracts/module-core-api';
import type { Dialer } from './module-caller';

/** Delegated tokens kept per target; the oldest goes when another arrives past it. */
export const MAX_HANDED_PER_TARGET = 16;

interface Handed {
  readonly route: DelegatedRoute;
  readonly methods: ReadonlySet<string>;
  peer?: RpcPeer;
  dialing?: Promise<RpcPeer>;
}

/**
 * Tokens other modules handed this one (delegation), kept apart from its own
 * per-target token: a call uses one only for a method its own grant does not
 * cover, the newest first. They are never renewed (a delegation lasts at
 * most as long as the grant it came from): a token the target refuses
 * (revoked with its parent, expired, the target restarted) is dropped, and
 * the call tried with another handed token covering the method, if any, or
 * else refused as the target refused it.
 */
export class HandedTokens {
  private readonly byTarget = new Map<string, Handed[]>();

  constructor(
    private readonly dial: Dialer,
    private readonly now: () => number,
  ) {}

  /** Whether any token for `target` is held: one map lookup, on every call's path. */
  holds(target: string): boolean {
    return this.byTarget.has(target);
  }

  add(route: DelegatedRoute): void {
    if (
      typeof route?.target !== 'string' ||
      typeof route.token !== 'string' ||
      typeof route.address !== 'string' ||
      !Array.isArray(route.methods)
    )
      throw TesseraError.invalidArgument('a delegated route needs target, token, address, methods');
    const list = (this.byTarget.get(route.target) ?? []).filter((h) => h.route.id !== route.id);
    list.push({ route, methods: new Set(route.methods) });
    while (list.length > MAX_HANDED_PER_TARGET) this.close(list.shift());
    this.byTarget.set(route.target, list);
  }

  /** A live handed token covering `method` on `target`, unless `own` (the module's own scope) does. */
  pick(target: string, method: string, own: ReadonlySet<string> | undefined): Handed | undefined {
    if (own?.has(method)) return undefined;
    const list = this.byTarget.get(target);
    if (!list) return undefined;
    const now = this.now();
    // Newest first: an older one is likelier to have died with its parent.
    for (const h of [...list].reverse()) {
      if (now >= h.route.expiresAt) this.drop(h);
      else if (h.methods.has(method)) return h;
    }
    return undefined;
  }

  /** Call `method` with a handed token, on a connection of its own. */
  async call(h: Handed, method: string, args: unknown[], options: CallOptions): Promise<unknown> {
    try {
      const peer = await this.connect(h);
      return await peer.call(
        method,
        args,
        { timeoutMs: options.timeoutMs, signal: options.signal },
        h.route.token,
      );
    } catch (err) {
      const code = (err as TesseraError)?.code;
      if (code !== ErrorCode.UNAUTHENTICATED && code !== ErrorCode.UNAVAILABLE) throw err;
      this.drop(h);
      // Another handed token may still cover it (each try drops one: bounded by the list).
      const next = this.pick(h.route.target, method, undefined);
      if (next) return this.call(next, method, args, options);
      throw err;
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.byTarget.values()].flat();
    this.byTarget.clear();
    await Promise.all(all.map((h) => h.peer?.close()));
  }

  private drop(h: Handed): void {
    const list = this.byTarget.get(h.route.target);
    if (!list) return;
    const rest = list.filter((x) => x !== h);
    if (rest.length > 0) this.byTarget.set(h.route.target, rest);
    else this.byTarget.delete(h.route.target);
    this.close(h);
  }

  private close(h: Handed | undefined): void {
    void h?.peer?.close();
  }

  private connect(h: Handed): Promise<RpcPeer> {
    if (h.peer && !h.peer.closed) return Promise.resolve(h.peer);
    h.dialing ??= this.dial(
      h.route.address,
      () => undefined,
      h.route.serverKey,
      undefined,
      h.route.target,
    ).then(
      (peer) => {
        h.peer = peer;
        h.dialing = undefined;
        return peer;
      },
      (err: unknown) => {
        h.dialing = undefined;
        throw err;
      },
    );
    return h.dialing;
  }
}
