import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OperatorLink } from './operator-link';

/** One browser's login: its cookie, page key, CSRF token and operator session, all server-side. */
export interface BrowserSession {
  /** Shown on the page: a fingerprint of the session, never the cookie. */
  readonly fingerprint: string;
  /**
   * The second secret: handed to the page once, in the login redirect's URL
   * fragment (never a cookie), and sent back in a header on every API call.
   */
  readonly pageKey: string;
  readonly csrf: string;
  /** Live streams open now. */
  streams: number;
  readonly link: OperatorLink;
  readonly createdAt: number;
  lastSeen: number;
}

const secret = (): string => randomBytes(32).toString('base64url');
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time equality of two strings (by their SHA-256, so lengths leak nothing either). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** How long logins and sessions last. */
export interface AuthLimits {
  /** The printed login token, if unused. */
  loginTtlMs: number;
  /** A session without a request. */
  idleMs: number;
  /** A session since its login, however busy. */
  lifetimeMs: number;
}

export const DEFAULT_LIMITS: AuthLimits = {
  loginTtlMs: 15 * 60_000,
  idleMs: 2 * 3600_000,
  lifetimeMs: 12 * 3600_000,
};

/**
 * The dashboard's logins: a one-time token printed at start (as Jupyter
 * does, but good for one login only, and for 15 minutes), traded for two
 * secrets: a session cookie the page cannot read (HttpOnly,
 * SameSite=Strict) and a page key the browser never sends by itself. The
 * cookie alone is worth nothing: a browser sends it to every port of the
 * host. Sessions live in memory, keyed by the SHA-256 of their cookie, and
 * end when idle, when old, or with the dashboard.
 */
export class DashboardAuth {
  private loginToken: string | undefined = secret();
  private loginIssuedAt = Date.now();
  private readonly sessions = new Map<string, BrowserSession>();
  private closed = false;
  private readonly limits: AuthLimits;
  private readonly sweeper: NodeJS.Timeout;

  constructor(limits: Partial<AuthLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    // Expired sessions end (and their streams with them) even if no request comes.
    this.sweeper = setInterval(
      () => this.sweep(),
      Math.max(100, Math.min(60_000, this.limits.idleMs, this.limits.lifetimeMs)),
    );
    this.sweeper.unref();
  }

  /** How long a login token lasts, for messages. */
  get loginTtlMs(): number {
    return this.limits.loginTtlMs;
  }

  /** The token of the printed login URL, while it is unused. */
  get pendingLogin(): string | undefined {
    return this.loginToken;
  }

  /** A fresh one-time login token (the old one, if unused, stops working). */
  renewLogin(now = Date.now()): string {
    this.loginToken = secret();
    this.loginIssuedAt = now;
    return this.loginToken;
  }

  /**
   * Spend the one-time token: 'ok' once, for the right token only, within
   * its lifetime; 'expired' for the right token too late (it is then gone).
   */
  redeem(token: unknown, now = Date.now()): 'ok' | 'expired' | 'wrong' {
    if (typeof token !== 'string' || this.loginToken === undefined) return 'wrong';
    if (!sameSecret(token, this.loginToken)) return 'wrong';
    this.loginToken = undefined;
    return now - this.loginIssuedAt > this.limits.loginTtlMs ? 'expired' : 'ok';
  }

  /**
   * Give a spent token back when its login could not finish (the app did not
   * answer): unless a newer token was made meanwhile, the same URL works again.
   */
  restore(token: string): void {
    if (this.loginToken === undefined && !this.closed) this.loginToken = token;
  }

  /** A new session for `link`: returns the cookie value to set and the page key to hand over. */
  open(link: OperatorLink, now = Date.now()): { cookie: string; session: BrowserSession } {
    const cookie = secret();
    const key = digest(cookie).toString('base64url');
    const session: BrowserSession = {
      fingerprint: key.slice(0, 12),
      pageKey: secret(),
      csrf: secret(),
      streams: 0,
      link,
      createdAt: now,
      lastSeen: now,
    };
    this.sessions.set(key, session);
    void link.ended.then(() => this.sessions.delete(key));
    return { cookie, session };
  }

  /**
   * The session a cookie and page key stand for, if it is live: both
   * secrets must match (each compared in constant time); the cookie alone
   * finds nothing.
   */
  find(
    cookie: string | undefined,
    pageKey: string | undefined,
    now = Date.now(),
  ): BrowserSession | undefined {
    const s = this.byCookie(cookie, now);
    if (!s || !pageKey || pageKey.length > 100 || !sameSecret(pageKey, s.pageKey)) return undefined;
    s.lastSeen = now;
    return s;
  }

  /**
   * The live session of a cookie alone: only to decide which page to show
   * (the page itself, which holds no secret, or the "not logged in" notice).
   * It authorizes nothing.
   */
  byCookie(cookie: string | undefined, now = Date.now()): BrowserSession | undefined {
    if (!cookie || cookie.length > 100) return undefined;
    const key = digest(cookie).toString('base64url');
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (this.expired(s, now)) {
      this.sessions.delete(key);
      void s.link.close().catch(() => undefined);
      return undefined;
    }
    return s;
  }

  private expired(s: BrowserSession, now: number): boolean {
    return now - s.lastSeen > this.limits.idleMs || now - s.createdAt > this.limits.lifetimeMs;
  }

  /** End every expired session (closing its operator session, which ends its streams). */
  sweep(now = Date.now()): void {
    for (const [key, s] of this.sessions)
      if (this.expired(s, now)) {
        this.sessions.delete(key);
        void s.link.close().catch(() => undefined);
      }
  }

  /** End the session of `cookie` (logout). */
  async end(cookie: string | undefined): Promise<void> {
    if (!cookie) return;
    const key = digest(cookie).toString('base64url');
    const s = this.sessions.get(key);
    this.sessions.delete(key);
    await s?.link.close().catch(() => undefined);
  }

  get size(): number {
    return this.sessions.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.loginToken = undefined;
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.all(all.map((s) => s.link.close().catch(() => undefined)));
  }
}
