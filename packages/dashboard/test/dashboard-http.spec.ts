import { request } from 'node:http';
import { type DashboardServer, type OperatorLink, startDashboard } from '../src';

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
  let csrf = '';
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    send(`${server.url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-tessera-csrf': csrf, ...headers },
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

  it('logs in once with the one-time token: an HttpOnly SameSite=Strict cookie; a wrong or spent token is 401', async () => {
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
    expect((await send(server.loginUrl)).status).toBe(401);
    const session = await send(`${server.url}/api/session`, { headers: { cookie } });
    csrf = (JSON.parse(session.body) as { csrf: string }).csrf;
    expect(csrf).toMatch(/^[\w-]{43}$/);
  });

  it('refuses a Host header that is not its own (DNS rebinding)', async () => {
    const r = await send(`${server.url}/api/session`, {
      headers: { cookie, host: `evil.example:${new URL(server.url).port}` },
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
      headers: { cookie },
      signal: ac.signal,
    });
    expect(open.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await open.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^event: ready\ndata: \{\}/);
    ac.abort();
    eventsRefused = true;
    try {
      const refused = await send(`${server.url}/api/events`, { headers: { cookie } });
      expect(refused.body).toMatch(
        /^event: failed\ndata: \{"code":"PERMISSION_DENIED","message":"'event:grantChanged' is not granted/,
      );
    } finally {
      eventsRefused = false;
    }
  });

  it('hands the page grants with a key fingerprint, never the key or the session binding', async () => {
    const r = await send(`${server.url}/api/grants`, { headers: { cookie } });
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
