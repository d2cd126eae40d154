import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { IMPORT_MAP_HASH, loadAssets } from './assets';
import { type BrowserSession, DashboardAuth, sameSecret } from './dashboard-auth';
import { type DashboardOptions, isLoopback } from './dashboard-options';
import { DashboardRefusal, errorResponse } from './http-errors';
import { apiRoutes } from './api-routes';

/** A running dashboard. */
export interface DashboardServer {
  /** `http://host:port`. */
  readonly url: string;
  /** The one-time login URL to print (spent by the first login). */
  readonly loginUrl: string;
  /** A fresh one-time login URL (the previous unused one stops working). */
  newLoginUrl(): string;
  close(): Promise<void>;
}

const COOKIE = 'tessera_dashboard';
const CSRF_HEADER = 'x-tessera-csrf';
/** The page key's header: the second secret, which no browser sends by itself. */
export const KEY_HEADER = 'x-tessera-key';

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': `default-src 'none'; script-src 'self' '${IMPORT_MAP_HASH}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const message = (title: string, text: string): string =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="/style.css"><main class="notice"><h1>${title}</h1><p>${text}</p></main>`;

/**
 * Serve the dashboard: a one-time login URL, then two secrets: a session
 * cookie and a page key handed over in the login redirect's URL fragment.
 * Every API request wants both (a browser sends the cookie to any port of
 * this host; the key it sends only when the page adds it); every
 * state-changing request wants the session's CSRF token too; every action
 * goes to the app through that browser session's own operator session.
 */
export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.exposed)
    throw new DashboardRefusal(
      400,
      'INVALID_ARGUMENT',
      `the dashboard listens on loopback unless told otherwise: serving on ${host} needs the explicit exposed flag`,
    );
  const auth = new DashboardAuth({
    ...(options.loginTokenTtlMs !== undefined && { loginTtlMs: options.loginTokenTtlMs }),
    ...(options.sessionIdleMs !== undefined && { idleMs: options.sessionIdleMs }),
    ...(options.sessionLifetimeMs !== undefined && { lifetimeMs: options.sessionLifetimeMs }),
  });
  const assets = loadAssets();
  const streams = new Set<() => Promise<void>>();
  const loopback = isLoopback(host);
  let allowedHosts = new Set<string>();

  const app = new Hono<{ Variables: { session: BrowserSession } }>();
  app.onError((err, c) => {
    const { status, body } = errorResponse(err);
    return c.json(body, status);
  });
  app.use('*', async (c, next) => {
    // DNS rebinding: on loopback, a page on another name that resolves here is not this
    // dashboard. Served beyond loopback, the names it is reached by are the operator's.
    if (loopback && !allowedHosts.has(c.req.header('host') ?? ''))
      return c.text('unknown Host header', 421);
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    return undefined;
  });

  app.get('/login', async (c) => {
    const token = c.req.query('token');
    const redeemed = auth.redeem(token);
    if (redeemed === 'expired')
      return c.html(
        message(
          'Login link expired',
          `One-time login links last ${Math.round(auth.loginTtlMs / 60_000)} minutes if unused. Run <code>tessera dashboard</code> again for a new one (or restart <code>tessera run</code> when the config serves the dashboard).`,
        ),
        401,
      );
    if (redeemed !== 'ok') {
      return c.html(
        message(
          'Not logged in',
          'This login link is wrong or already used. Run <code>tessera dashboard</code> again for a new one-time link.',
        ),
        401,
      );
    }
    let link;
    try {
      link = await options.openSession();
    } catch (err) {
      auth.restore(token as string);
      const why = err instanceof Error ? err.message : String(err);
      return c.html(
        message(
          'The app did not answer',
          `${escapeHtml(why)}. The login link still works: try it again.`,
        ),
        503,
      );
    }
    const { cookie, session } = auth.open(link);
    setCookie(c, COOKIE, cookie, { httpOnly: true, sameSite: 'Strict', path: '/' });
    // The page key travels in the fragment: never sent to a server, never a cookie. The page
    // moves it to its sessionStorage and strips it from the address bar.
    return c.redirect(`/#k=${session.pageKey}`, 303);
  });

  // Everything below needs a live session: the API wants both secrets, the page the cookie.
  app.use('*', async (c, next) => {
    if (c.req.path.startsWith('/api/')) {
      // Defence in depth: no API call comes from another origin's page, even of this site.
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none')
        throw new DashboardRefusal(
          403,
          'PERMISSION_DENIED',
          `API request from another origin (Sec-Fetch-Site: ${site.slice(0, 20)}) refused`,
        );
      const session = auth.find(getCookie(c, COOKIE), c.req.header(KEY_HEADER));
      if (!session)
        throw new DashboardRefusal(
          401,
          'UNAUTHENTICATED',
          'no dashboard session: the session cookie and the page key are both needed; log in with the one-time URL',
        );
      c.set('session', session);
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') checkStateChange(c, session);
      await next();
      return undefined;
    }
    if (!auth.byCookie(getCookie(c, COOKIE))) {
      return c.html(
        message(
          'Not logged in',
          'Open the one-time login URL that <code>tessera dashboard</code> printed.',
        ),
        401,
      );
    }
    await next();
    return undefined;
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) =>
        c.json({ error: { code: 'INVALID_ARGUMENT', message: 'request body over 64 KiB' } }, 413),
    }),
  );

  for (const [path, asset] of assets)
    app.get(path, (c) => c.body(new Uint8Array(asset.body), 200, { 'Content-Type': asset.type }));

  app.route('/', apiRoutes(options, streams, options.maxStreamsPerSession ?? 8));
  app.post('/api/logout', async (c) => {
    await auth.end(getCookie(c, COOKIE));
    deleteCookie(c, COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  const server = await listen(app.fetch, host, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shown}:${port}`;
  allowedHosts = new Set(
    [shown, ...(isLoopback(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [])].map(
      (h) => `${h}:${port}`,
    ),
  );
  const loginUrl = (token: string) => `${origin}/login?token=${token}`;
  let closed: Promise<void> | undefined;
  return {
    url: origin,
    loginUrl: loginUrl(auth.pendingLogin ?? ''),
    newLoginUrl: () => loginUrl(auth.renewLogin()),
    close: () =>
      (closed ??= (async () => {
        await Promise.all([...streams].map((stop) => stop().catch(() => undefined)));
        await auth.closeAll();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      })()),
  };
}

/**
 * A state-changing request must come from the page: its Origin (when the
 * browser sends one) is the origin it addressed, and it carries the session's CSRF
 * token in a header, which no cross-site form or fetch can add.
 */
function checkStateChange(c: Context, session: BrowserSession): void {
  const from = c.req.header('origin');
  // The page's own origin is the one it was loaded from: 127.0.0.1 or localhost alike.
  if (from !== undefined && from !== `http://${c.req.header('host') ?? ''}`)
    throw new DashboardRefusal(
      403,
      'PERMISSION_DENIED',
      `cross-origin request from ${from.slice(0, 100)} refused`,
    );
  const token = c.req.header(CSRF_HEADER);
  if (!token || !sameSecret(token, session.csrf))
    throw new DashboardRefusal(
      403,
      'PERMISSION_DENIED',
      'missing or wrong CSRF token: state-changing requests come from the dashboard page only',
    );
}

function listen(fetch: Hono['fetch'], hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
