import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { BrowserSession } from './dashboard-auth';
import type { DashboardOptions } from './dashboard-options';
import { DashboardRefusal, errorResponse } from './http-errors';
import { openLiveStream } from './live-stream';
import { approveBody, denyBody, evalBody, moduleBody, revokeBody } from './request-bodies';
import { grantsView, modulesView } from './views';

/** What the session guard leaves on each request: the browser's session. */
export type SessionEnv = { Variables: { session: BrowserSession } };

/**
 * The page's JSON API and its live stream, behind the session guard (and,
 * for POSTs, the CSRF check) of `startDashboard`. Every call goes to the app
 * through the browser session's own operator session.
 */
export function apiRoutes(
  options: DashboardOptions,
  streams: Set<() => Promise<void>>,
  maxStreamsPerSession: number,
): Hono<SessionEnv> {
  const api = new Hono<SessionEnv>();
  const link = (c: Context<{ Variables: { session: BrowserSession } }>) => c.get('session').link;
  api.get('/api/session', (c) => {
    const s = c.get('session');
    return c.json({
      csrf: s.csrf,
      session: s.fingerprint,
      grant: s.link.grantId,
      app: options.app ?? {},
    });
  });
  api.get('/api/snapshot', async (c) => {
    const l = link(c);
    const [modules, grants, approvals, audit, policy] = await Promise.all([
      modulesView(l),
      grantsView(l),
      l.core.approvals(),
      l.core.auditEvents({ limit: 200 }),
      l.core.policyStatus(),
    ]);
    return c.json({ modules, grants, approvals, audit, policy, now: Date.now() });
  });
  api.get('/api/grants', async (c) => c.json(await grantsView(link(c))));
  api.get('/api/approvals', async (c) => c.json(await link(c).core.approvals()));
  api.get('/api/policy', async (c) => c.json(await link(c).core.policyStatus()));
  api.get('/api/modules/:name', async (c) =>
    c.json(await link(c).core.methods(c.req.param('name'))),
  );
  api.get('/api/events', (c) => {
    const session = c.get('session');
    if (session.streams >= maxStreamsPerSession)
      throw new DashboardRefusal(
        429,
        'RESOURCE_EXHAUSTED',
        `this dashboard session has ${maxStreamsPerSession} live streams open already: close a tab`,
      );
    session.streams += 1;
    return streamSSE(c, async (stream) => {
      try {
        await serveStream(c, stream);
      } finally {
        session.streams -= 1;
      }
    });
  });
  const serveStream = async (
    c: Context<SessionEnv>,
    stream: Parameters<Parameters<typeof streamSSE>[1]>[0],
  ): Promise<void> => {
    const done = new Promise<void>((resolve) => stream.onAbort(resolve));
    let stop: () => Promise<void>;
    try {
      stop = await openLiveStream(
        link(c),
        (m) =>
          void stream
            .writeSSE({ event: m.event, data: JSON.stringify(m.data) })
            .catch(() => undefined),
        options.statsEveryMs,
      );
    } catch (err) {
      // E.g. a policy that does not grant the operator the core's events: the page says why.
      const { body } = errorResponse(err);
      await stream.writeSSE({ event: 'failed', data: JSON.stringify(body.error) });
      return;
    }
    streams.add(stop);
    await stream.writeSSE({ event: 'ready', data: '{}' });
    await Promise.race([done, link(c).ended]);
    streams.delete(stop);
    await stop();
  };

  api.post('/api/approve', async (c) => {
    const { id, options: o } = approveBody(await jsonOf(c));
    return c.json(await link(c).core.approve(id, o));
  });
  api.post('/api/deny', async (c) => {
    const { id, reason } = denyBody(await jsonOf(c));
    return c.json(await link(c).core.deny(id, reason));
  });
  api.post('/api/revoke', async (c) => {
    const { caller, target, reason } = revokeBody(await jsonOf(c));
    const why = `${reason ?? 'from the dashboard'} (dashboard session ${c.get('session').fingerprint})`;
    return c.json({ revoked: await link(c).core.revoke(caller, target, why) });
  });
  api.post('/api/module', async (c) => {
    const { action, name } = moduleBody(await jsonOf(c));
    const core = link(c).core;
    if (action === 'unload' || action === 'restart') await core.unload(name);
    if (action === 'load' || action === 'restart') await core.load(name);
    return c.json({ ok: true, action, name });
  });
  api.post('/api/policy/eval', async (c) =>
    c.json(await link(c).core.policyEval(evalBody(await jsonOf(c)) as never)),
  );
  return api;
}

/** The request's JSON body, or a typed 400. */
async function jsonOf(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new DashboardRefusal(400, 'INVALID_ARGUMENT', 'the request body must be JSON');
  }
}
