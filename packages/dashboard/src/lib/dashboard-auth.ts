import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OperatorLink } from './operator-link';

/** One browser's login: its cookie, CSRF token and operator session, all server-side. */
export interface BrowserSession {
  /** Shown on the page: a fingerprint of the session, never the cookie. */
  readonly fingerprint: string;
  readonly csrf: string;
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

/**
 * The dashboard's logins: a one-time token printed at start (as Jupyter
 * does, but good for one login only), traded for a session cookie the
 * page cannot read (HttpOnly, SameSite=Strict). Sessions live in memory,
 * keyed by the SHA-256 of their cookie, and end with the dashboard.
 */
export class DashboardAuth {
  private loginToken: string | undefined = secret();
  private readonly sessions = new Map<string, BrowserSession>();
  private closed = false;

  constructor(private readonly idleMs = 12 * 3600_000) {}

  /** The token of the printed login URL, while it is unused. */
  get pendingLogin(): string | undefined {
    return this.loginToken;
  }

  /** A fresh one-time login token (the old one, if unused, stops working). */
  renewLogin(): string {
    this.loginToken = secret();
    return this.loginToken;
  }

  /** Spend the one-time token: true once, for the right token only. */
  redeem(token: unknown): boolean {
    if (typeof token !== 'string' || this.loginToken === undefined) return false;
    if (!sameSecret(token, this.loginToken)) return false;
    this.loginToken = undefined;
    return true;
  }

  /**
   * Give a spent token back when its login could not finish (the app did not
   * answer): unless a newer token was made meanwhile, the same URL works again.
   */
  restore(token: string): void {
    if (this.loginToken === undefined && !this.closed) this.loginToken = token;
  }

  /** A new session for `link`: returns the cookie value to set. */
  open(link: OperatorLink, now = Date.now()): { cookie: string; session: BrowserSession } {
    const cookie = secret();
    const key = digest(cookie).toString('base64url');
    const session: BrowserSession = {
      fingerprint: key.slice(0, 12),
      csrf: secret(),
      link,
      createdAt: now,
      lastSeen: now,
    };
    this.sessions.set(key, session);
    void link.ended.then(() => this.sessions.delete(key));
    return { cookie, session };
  }

  /** The session a cookie stands for, if it is live. */
  find(cookie: string | undefined, now = Date.now()): BrowserSession | undefined {
    if (!cookie || cookie.length > 100) return undefined;
    const key = digest(cookie).toString('base64url');
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (now - s.lastSeen > this.idleMs) {
      this.sessions.delete(key);
      void s.link.close().catch(() => undefined);
      return undefined;
    }
    s.lastSeen = now;
    return s;
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
    await Promise.all(all.map((s) => s.link.close().catch(() => undefined)));
  }
}
