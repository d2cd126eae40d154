import { request } from 'node:http';
import { type DashboardServer, type OperatorLink, isLoopback, startDashboard } from '../src';
import { DashboardAuth } from '../src/lib/dashboard-auth';

let eventsRefused = false;

/** An operator link that records what the dashboard asks of the core. */
function fakeLink(calls: unknown[][]): OperatorLink {
  let end: () => void = () => undefined;
  const ended = new Promise<void>((r) => (end = r));
  const core = new Proxy(
    {},
    {
      get:
        (_t, method: string) =>
        async (...args: unknown[]) => {
          calls.push([method, ...args]);
          if (method === 'grants')
            return [
              {
                id: 'g1',
                caller: 'a',
                target: 'b',
                methods: ['x'],
                callerKey: 'SECRET-KEY',
                session: 's1',
              },
            ];
          if (method === 'revoke') return 1;
          return [];
        },
    },
  );
  return {
    core,
    grantId: 'session-grant',
    on: async (event: string) => {
      if (eventsRefused)
        throw Object.assign(new Error(`'event:${event}' is not granted to operator on core`), {
          code: 'PERMISSION_DENIED',
        });
      return async () => undefined;
    },
    ended,
    close: async () => end(),
  } as unknown as OperatorLink;
}

/** A raw HTTP request, so the test sets Host and Origin as a browser or an attacker would. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('dashboard HTTP: login, session, CSRF, Host, bodies (fake operator link)', () => {
  let server: DashboardServer;
  const calls: unknown[][] = [];
  let cookie = '';
  let key = '';
  let csrf = '';
  /** What the page sends on every API call: the cookie (the browser adds it) and the page key. */
  const both = () => ({ cookie, 'x-tessera-key': key });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    send(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        ...both(),
        'content-type': 'application/json',
        'x-tessera-csrf': csrf,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  let appDown = false;
  beforeAll(async () => {
    server = await startDashboard({
      openSession: async () => {
        if (appDown) throw new Error('no running app for ./tessera.config.json <pid 1 has exited>');
        return fakeLink(calls);
      },
    });
  });
  afterAll(() => server.close());

  it('listens on loopback unless told otherwise', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(
      startDashboard({ openSession: async () => fakeLink([]), host: '0.0.0.0' }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/needs the explicit exposed flag/),
    });
  });

  it('logs in once with the one-time token: an HttpOnly SameSite=Strict cookie and a page key in the fragment; a wrong or spent token is 401', async () => {
    expect((await send(`${server.url}/`)).status).toBe(401);
    expect((await send(`${server.url}/login?token=nope`)).status).toBe(401);
    // The app does not answer: the login fails, and the link is not spent by it.
    appDown = true;
    const down = await send(server.loginUrl);
    expect([down.status, down.body]).toEqual([
      503,
      expect.stringContaining('&#60;pid 1 has exited&#62;'),
    ]);
    appDown = false;
    const ok = await send(server.loginUrl);
    expect(ok.status).toBe(303);
    const set = String(ok.headers['set-cookie']);
    expect(set).toMatch(/^tessera_dashboard=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    cookie = set.split(';')[0] ?? '';
    // The second secret: in the fragment, which the browser keeps to itself; never a cookie.
    const location = String(ok.headers['location']);
    expect(location).toMatch(/^\/#k=[\w-]{43}$/);
    key = location.slice('/#k='.length);
    expect(set).not.toContain(key);
    expect((await send(server.loginUrl)).status).toBe(401);
    const session = await send(`${server.url}/api/session`, { headers: both() });
    csrf = (JSON.parse(session.body) as { csrf: string }).csrf;
    expect(csrf).toMatch(/^[\w-]{43}$/);
    // The page itself (no secret in it) loads with the cookie alone.
    expect((await send(`${server.url}/`, { headers: { cookie } })).status).toBe(200);
  });

  it('refuses every API call with the cookie alone, or with a wrong page key, or from another origin', async () => {
    calls.length = 0;
    for (const path of ['/api/session', '/api/snapshot', '/api/grants', '/api/events']) {
      const alone = await send(`${server.url}${path}`, { headers: { cookie } });
      expect([path, alone.status, JSON.parse(alone.body).error.code]).toEqual([
        path,
        401,
        'UNAUTHENTICATED',
      ]);
      const wrong = await send(`${server.url}${path}`, {
        headers: { cookie, 'x-tessera-key': 'x'.repeat(43) },
      });
      expect([path, wrong.status]).toEqual([path, 401]);
      // The key without the cookie is no better.
      const keyAlone = await send(`${server.url}${path}`, { headers: { 'x-tessera-key': key } });
      expect([path, keyAlone.status]).toEqual([path, 401]);
    }
    const noKey = await post('/api/revoke', { caller: 'a', target: 'b' }, { 'x-tessera-key': '' });
    expect(noKey.status).toBe(401);
    // Another origin of the same site (a page on another port): refused whatever it holds.
    const sameSite = await send(`${server.url}/api/session`, {
      headers: { ...both(), 'sec-fetch-site': 'same-site' },
    });
    expect([sameSite.status, JSON.parse(sameSite.body).error.message]).toEqual([
      403,
      'API request from another origin (Sec-Fetch-Site: same-site) refused',
    ]);
    const own = await send(`${server.url}/api/session`, {
      headers: { ...both(), 'sec-fetch-site': 'same-origin' },
    });
    expect(own.status).toBe(200);
    expect(calls).toEqual([]);
  });

  it('refuses a Host header that is not its own (DNS rebinding)', async () => {
    const r = await send(`${server.url}/api/session`, {
      headers: { ...both(), host: `evil.example:${new URL(server.url).port}` },
    });
    expect(r.status).toBe(421);
  });

  it('wants the CSRF token and its own Origin on every state change', async () => {
    calls.length = 0;
    expect(
      (await post('/api/revoke', { caller: 'a', target: 'b' }, { 'x-tessera-csrf': '' })).status,
    ).toBe(403);
    expect(
      (
        await post(
          '/api/revoke',
          { caller: 'a', target: 'b' },
          { 'x-tessera-csrf': 'x'.repeat(43) },
        )
      ).status,
    ).toBe(403);
    const cross = await post(
      '/api/revoke',
      { caller: 'a', target: 'b' },
      { origin: 'http://127.0.0.1:1' },
    );
    expect([cross.status, JSON.parse(cross.body)]).toEqual([
      403,
      {
        error: {
          code: 'PERMISSION_DENIED',
          message: 'cross-origin request from http://127.0.0.1:1 refused',
        },
      },
    ]);
    expect(calls).toEqual([]);
    // The page loaded as localhost:port is the same dashboard: its own Origin is fine.
    const port = new URL(server.url).port;
    const viaLocalhost = await post(
      '/api/revoke',
      { caller: 'a', target: 'b' },
      { host: `localhost:${port}`, origin: `http://localhost:${port}` },
    );
    expect(viaLocalhost.status).toBe(200);
    calls.length = 0;
    const ok = await post(
      '/api/revoke',
      { caller: 'a', target: 'b', reason: 'done' },
      { origin: server.url },
    );
    expect([ok.status, JSON.parse(ok.body)]).toEqual([200, { revoked: 1 }]);
    expect(calls).toEqual([
      ['revoke', 'a', 'b', expect.stringMatching(/^done \(dashboard session [\w-]{12}\)$/)],
    ]);
  });

  it('answers a bad body with a typed 400, an oversized one with 413, and no session with 401', async () => {
    const bad = await post('/api/approve', { methods: 'x' });
    expect([bad.status, JSON.parse(bad.body).error.code]).toEqual([400, 'INVALID_ARGUMENT']);
    expect((await post('/api/module', { action: 'explode', name: 'a' })).status).toBe(400);
    expect((await post('/api/deny', 'not json')).status).toBe(400);
    expect((await post('/api/policy/eval', { input: 'x'.repeat(70_000) })).status).toBe(413);
    const none = await send(`${server.url}/api/snapshot`);
    expect([none.status, JSON.parse(none.body).error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it("streams live events; a session without the core's events gets a typed failure on the stream", async () => {
    const ac = new AbortController();
    const open = await fetch(`${server.url}/api/events`, {
      headers: both(),
      signal: ac.signal,
    });
    expect(open.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await open.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^event: ready\ndata: \{\}/);
    ac.abort();
    eventsRefused = true;
    try {
      const refused = await send(`${server.url}/api/events`, { headers: both() });
      expect(refused.body).toMatch(
        /^event: failed\ndata: \{"code":"PERMISSION_DENIED","message":"'event:grantChanged' is not granted/,
      );
    } finally {
      eventsRefused = false;
    }
  });

  it('holds at most 8 live streams per session: the ninth is a typed 429 until one closes', async () => {
    const open: AbortController[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const ac = new AbortController();
        open.push(ac);
        const r = await fetch(`${server.url}/api/events`, { headers: both(), signal: ac.signal });
        expect(r.status).toBe(200);
        await r.body!.getReader().read();
      }
      const ac = new AbortController();
      open.push(ac);
      const ninth = await fetch(`${server.url}/api/events`, { headers: both(), signal: ac.signal });
      expect(ninth.status).toBe(429);
      expect(((await ninth.json()) as { error: { code: string } }).error.code).toBe(
        'RESOURCE_EXHAUSTED',
      );
    } finally {
      for (const ac of open) ac.abort();
    }
    // Closed streams free their places (the server notices the abort soon, not at once).
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      const ac = new AbortController();
      const r = await fetch(`${server.url}/api/events`, { headers: both(), signal: ac.signal });
      status = r.status;
      ac.abort();
      if (status !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    expect(status).toBe(200);
  });

  it('hands the page grants with a key fingerprint, never the key or the session binding', async () => {
    const r = await send(`${server.url}/api/grants`, { headers: both() });
    const [g] = JSON.parse(r.body) as Record<string, unknown>[];
    expect(g).toEqual({
      id: 'g1',
      caller: 'a',
      target: 'b',
      methods: ['x'],
      keyFingerprint: expect.stringMatching(/^[\w-]{12}$/),
    });
    expect(r.body).not.toContain('SECRET-KEY');
    expect(r.headers['content-security-policy']).toMatch(/script-src 'self' 'sha256-/);
  });
});

describe('dashboard limits: loopback names, login token lifetime, session lifetimes', () => {
  it('takes only IP literals in 127.0.0.0/8, ::1 and localhost for loopback', async () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
      expect([h, isLoopback(h)]).toEqual([h, true]);
    for (const h of [
      '127.evil.example',
      '127.0.0.1.nip.io',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '1270.0.0.1',
      'localhost.example',
    ])
      expect([h, isLoopback(h)]).toEqual([h, false]);
    await expect(
      startDashboard({ openSession: async () => fakeLink([]), host: '127.evil.example' }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/exposed flag/),
    });
  });

  it('lets an unused login URL expire, and says how to get a new one', async () => {
    const server = await startDashboard({
      openSession: async () => fakeLink([]),
      loginTokenTtlMs: 200,
    });
    try {
      await new Promise((r) => setTimeout(r, 400));
      const late = await send(server.loginUrl);
      expect([late.status, late.body]).toEqual([
        401,
        expect.stringMatching(/Login link expired.*Run <code>tessera dashboard<\/code> again/s),
      ]);
      // Spent by the failed try: it is not good later either; a new URL is.
      expect((await send(server.loginUrl)).status).toBe(401);
      expect((await send(server.newLoginUrl())).status).toBe(303);
    } finally {
      await server.close();
    }
  });

  it('ends a session when idle, and when old however busy, closing its operator session', async () => {
    const auth = new DashboardAuth({ idleMs: 1000, lifetimeMs: 5000 });
    try {
      const t0 = 1_000_000;
      const closed: string[] = [];
      const link = (name: string) =>
        ({ ...fakeLink([]), close: async () => void closed.push(name) }) as OperatorLink;
      const idle = auth.open(link('idle'), t0);
      const busy = auth.open(link('busy'), t0);
      const key = (s: typeof idle) => s.session.pageKey;
      expect(auth.find(idle.cookie, key(idle), t0 + 900)).toBeDefined();
      expect(auth.find(idle.cookie, key(idle), t0 + 1800)).toBeDefined();
      expect(auth.find(idle.cookie, key(idle), t0 + 2900)).toBeUndefined();
      expect(closed).toEqual(['idle']);
      // Busy: a request every 0.9 s keeps it from idling, but not past its lifetime.
      for (let t = t0; t <= t0 + 4900; t += 700)
        expect(auth.find(busy.cookie, key(busy), t)).toBeDefined();
      expect(auth.find(busy.cookie, key(busy), t0 + 5100)).toBeUndefined();
      expect(closed).toEqual(['idle', 'busy']);
      // The sweep ends expired sessions with no request at all.
      const quiet = auth.open(link('quiet'), t0);
      auth.sweep(t0 + 1500);
      expect(closed).toEqual(['idle', 'busy', 'quiet']);
      expect(auth.find(quiet.cookie, key(quiet), t0 + 1500)).toBeUndefined();
      expect(auth.size).toBe(0);
    } finally {
      await auth.closeAll();
    }
  });

  it('expires sessions on a live server too (idle limit)', async () => {
    const server = await startDashboard({
      openSession: async () => fakeLink([]),
      sessionIdleMs: 300,
    });
    try {
      const ok = await send(server.loginUrl);
      const cookie = String(ok.headers['set-cookie']).split(';')[0] ?? '';
      const key = String(ok.headers['location']).slice('/#k='.length);
      await new Promise((r) => setTimeout(r, 700));
      const late = await send(`${server.url}/api/session`, {
        headers: { cookie, 'x-tessera-key': key },
      });
      expect(late.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
