import { ErrorCode, type TesseraError } from '@tessera/protocol';
import type { LifecycleNotices } from './lifecycle-notices';
import type { Route } from './route';
import { DEFAULT_RESUBSCRIBE, type ResubscribeOptions, backoffDelay } from './renewal';
import type { Subscriptions } from './subscriptions';

/** What the keeper needs of its {@link ModuleCaller}. */
export interface KeeperDeps {
  subscriptions: Subscriptions;
  notices: LifecycleNotices;
  now(): number;
  /** A new token and route for `target` (one request per target at a time). */
  request(target: string): Promise<Route>;
  route(target: string): Route | undefined;
  /** Forget the token, route and connection for `target`. */
  drop(target: string): void;
  /** One `$subscribe` with the current token on `route`'s connection. */
  subscribe(target: string, route: Route, event: string): Promise<void>;
  options?: ResubscribeOptions;
}

/** The policy's no: a subscription ends on it, and is not tried again. */
const isDenial = (err: unknown): boolean => {
  const code = (err as TesseraError)?.code;
  return code === ErrorCode.PERMISSION_DENIED;
};
const reasonOf = (err: unknown): string =>
  (err as Error)?.message ?? String(err ?? 'unknown error');

/**
 * Keeps a module's event subscriptions alive without the module doing
 * anything. For every target with listeners it renews the token on a timer
 * ahead of expiry (events need a live grant even when no call is made),
 * re-sends `$subscribe` after every new token or connection, and when the
 * connection or grant is lost asks again with a bounded backoff until the
 * target is back (restarted at a new address, say). When the policy denies
 * it, or the target stays away past the retry budget, the subscriptions end
 * and the `revoked` notice says why: never silently.
 */
export class SubscriptionKeeper {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Targets being restored: one loop per target. */
  private readonly restoring = new Set<string>();
  private readonly sleeps = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  private readonly backoff: Required<ResubscribeOptions>;
  private closed = false;

  constructor(private readonly d: KeeperDeps) {
    this.backoff = { ...DEFAULT_RESUBSCRIBE, ...d.options };
  }

  /** `target` got its first listener: keep its token renewed from now on. */
  watch(target: string): void {
    const route = this.d.route(target);
    if (route) this.schedule(target, route.renewAt);
  }

  /** A new token (and maybe route) for `target`: re-subscribe its events, re-arm the renewal. */
  adopted(target: string, route: Route): void {
    if (this.closed || !this.d.subscriptions.has(target)) return;
    this.schedule(target, route.renewAt);
    if (this.restoring.has(target)) return; // the restore loop subscribes itself, and retries
    void this.resubscribe(target, route).catch((err: unknown) => {
      if (isDenial(err)) this.end(target, undefined, reasonOf(err));
      else this.restore(target);
    });
  }

  /** The connection to `target` dropped. */
  lost(target: string): void {
    this.restore(target);
  }

  /** The grant on `target` was narrowed: subscriptions outside `methods` end. */
  narrowed(target: string, methods: readonly string[]): void {
    const kept = new Set(methods);
    for (const event of this.d.subscriptions.events(target)) {
      if (!kept.has(`event:${event}`))
        this.end(target, event, `policy reload: 'event:${event}' is no longer granted`);
    }
  }

  /**
   * Get `target` back (new grant, route, connection, `$subscribe`s), at once
   * and then with a doubling delay; one loop per target. Nothing to do
   * without listeners.
   */
  restore(target: string): void {
    if (this.closed || this.restoring.has(target) || !this.d.subscriptions.has(target)) return;
    this.restoring.add(target);
    void this.restoreLoop(target).finally(() => this.restoring.delete(target));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleeps.clear();
  }

  private async restoreLoop(target: string): Promise<void> {
    let last = 'no attempt made';
    for (let attempt = 0; attempt < this.backoff.maxAttempts; attempt++) {
      await this.sleep(backoffDelay(attempt, this.backoff));
      if (this.closed || !this.d.subscriptions.has(target)) return;
      try {
        this.d.drop(target); // the old address, token and connection may all be dead
        const route = await this.d.request(target);
        await this.resubscribe(target, route);
        return;
      } catch (err) {
        if (isDenial(err)) return this.end(target, undefined, reasonOf(err));
        last = reasonOf(err);
      }
    }
    this.end(target, undefined, `${target} stayed unreachable (${last})`);
  }

  /** `$subscribe` every event of `target` again; an event the grant no longer covers ends alone. */
  private async resubscribe(target: string, route: Route): Promise<void> {
    for (const event of this.d.subscriptions.events(target)) {
      try {
        await this.d.subscribe(target, route, event);
      } catch (err) {
        const code = (err as TesseraError)?.code;
        if (code === ErrorCode.PERMISSION_DENIED || code === ErrorCode.NOT_FOUND)
          this.end(target, event, reasonOf(err));
        else throw err;
      }
    }
  }

  /** Renew `target`'s token at `at` (its renewal time), for as long as it has listeners. */
  private schedule(target: string, at: number): void {
    const previous = this.timers.get(target);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(
      () => {
        this.timers.delete(target);
        if (this.closed || !this.d.subscriptions.has(target)) return;
        this.d.request(target).catch((err: unknown) => {
          if (isDenial(err)) this.end(target, undefined, reasonOf(err));
          else this.restore(target);
        });
      },
      Math.max(0, at - this.d.now()),
    );
    timer.unref?.();
    this.timers.set(target, timer);
  }

  /** End one event's subscription (or all of `target`'s) and say so. */
  private end(target: string, event: string | undefined, reason: string): void {
    const events = event === undefined ? this.d.subscriptions.events(target) : [event];
    for (const e of events) {
      if (!this.d.subscriptions.events(target).includes(e)) continue;
      this.d.subscriptions.drop(target, e);
      this.d.notices.revoked({ target, event: e, reason });
    }
    if (!this.d.subscriptions.has(target)) {
      const timer = this.timers.get(target);
      if (timer) clearTimeout(timer);
      this.timers.delete(target);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      entry.timer.unref?.();
      this.sleeps.add(entry);
    });
  }
}
