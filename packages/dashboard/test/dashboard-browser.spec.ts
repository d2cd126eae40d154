import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import {
  CLI,
  REPO,
  Running,
  needsBuild,
  removeTestDir,
  tempApp,
  tempBundle,
  tessera,
} from '@tessera/cli/testing';
import type { CliIo } from '@tessera/cli';
import { runPathsFor } from '@tessera/core';
import { playScenario } from '../../../apps/demo/src/scenario';
import { findChromium } from './browser';

const CHROMIUM = findChromium();
if (!CHROMIUM)
  console.warn(
    'dashboard browser tests NOT RUN: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it',
  );
const describeInBrowser = CHROMIUM ? describe : describe.skip;
/** Where screenshots go: TESSERA_SCREENSHOTS (e.g. docs) or a temp dir under the test app. */
const SHOTS = process.env['TESSERA_SCREENSHOTS'];

const quiet: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: REPO, env: {} };

/**
 * The dashboard in a real browser (Debian's chromium driven by
 * playwright-core) against the demo's modules and policy run by the built
 * `tessera run` on ipc, with the config's `dashboard` key.
 */
describeInBrowser('dashboard in chromium, on the demo app over ipc', () => {
  let app: { dir: string; config: string };
  let bundle = '';
  let run: Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base = '';
  let loginUrl = '';
  const children: Running[] = [];
  const cfg = () => ['--config', app.config];
  const shot = async (name: string) => {
    const dir = SHOTS ? join(REPO, SHOTS) : join(app.dir, 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `dashboard-${name}.png`), fullPage: true });
  };
  const go = async (hash: string) => {
    await page.evaluate((h) => (location.hash = h), hash);
    await page.waitForSelector(`main[data-page="${hash}"]`);
  };
  const call = (...args: string[]) => {
    const child = new Running(CLI, ['call', ...args, ...cfg()]);
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    if (needsBuild())
      execFileSync('npx', ['nx', 'run-many', '-t', 'build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    // A private, watched copy of the demo's bundle: the policy test breaks it.
    bundle = tempBundle('dashboard-bundle', () => undefined);
    app = tempApp('dashboard', { dashboard: { port: 0 } }, bundle);
    writeFileSync(
      app.config,
      JSON.stringify({
        ...(JSON.parse(readFileSync(app.config, 'utf8')) as { policy: object }),
        policy: {
          ...(JSON.parse(readFileSync(app.config, 'utf8')) as { policy: object }).policy,
          watch: true,
        },
      }),
    );
    run = new Running(CLI, ['run', app.config]);
    await run.waitFor(/dashboard +http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+/, 60_000);
    loginUrl = /dashboard +(http:\/\/\S+)/.exec(run.stdout)?.[1] ?? '';
    base = new URL(loginUrl).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(children.map((c) => c.stop()));
    await run?.stop('SIGTERM');
    if (app) removeTestDir(app.dir);
    if (bundle) removeTestDir(bundle);
  });

  it('refuses the page without the one-time URL, logs in with it once, with an HttpOnly SameSite=Strict cookie and a page key off the address bar', async () => {
    const none = await page.goto(`${base}/`);
    expect(none?.status()).toBe(401);
    expect(await page.textContent('h1')).toBe('Not logged in');
    const api = await page.goto(`${base}/api/snapshot`);
    expect(api?.status()).toBe(401);
    const wrong = await page.goto(`${base}/login?token=${'x'.repeat(43)}`);
    expect(wrong?.status()).toBe(401);

    const ok = await page.goto(loginUrl);
    expect(ok?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.waitForSelector('[data-live="true"]');
    // The page key came in the fragment and went to this tab's sessionStorage: gone from the
    // address bar and the history entry, and never a cookie.
    expect(new URL(page.url()).hash).toBe('');
    const key = await page.evaluate(() => sessionStorage.getItem('tessera.pageKey'));
    expect(key).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(await context.cookies())).not.toContain(key);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'tessera_dashboard', httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // The URL is spent: another browser cannot use it.
    const other = await browser.newContext();
    const again = await (await other.newPage()).goto(loginUrl);
    expect(again?.status()).toBe(401);
    await other.close();
  });

  it("shows the demo's three modules, ready, with pids and their declared methods", async () => {
    await go('modules');
    for (const name of ['storage', 'notes', 'audit'])
      await page.waitForSelector(`tr[data-module="${name}"] [data-state]:text("ready")`);
    const pid = await page.textContent('tr[data-module="notes"] td:nth-child(3)');
    expect(pid).toMatch(/^\d+$/);
    expect(await page.textContent('tr[data-module="notes"] td:nth-child(4)')).toBe('local');
    expect(await page.textContent('tr[data-module="notes"] td:nth-child(5)')).toBe('ipc');
    await page.click('tr[data-module="notes"] a');
    const described = await page.waitForSelector('[data-described="notes"]');
    expect(await described.textContent()).toMatch(/add\(.*\)[\s\S]*events: noteAdded/);
    await shot('modules');
  });

  it('shows a denial in the audit stream, live, while the demo scenario runs', async () => {
    await go('audit');
    await page.waitForSelector('[data-live="true"]');
    expect(await page.$$('tr.denied[data-kind="call.denied"]')).toHaveLength(0);
    const played = playScenario(app.config, quiet);
    const denial = await page.waitForSelector(
      'tr.denied[data-kind="call.denied"]:has-text("\'set\' is not granted")',
      { timeout: 15_000 },
    );
    expect(await denial.textContent()).toMatch(
      /audit → storage.*PERMISSION_DENIED.*'set' is not granted/,
    );
    expect((await played).failures).toBe(0);
    await shot('audit');
    await page.selectOption('select[name="outcome"]', 'denied');
    const rows = await page.$$eval('table.audit tbody tr', (trs) => trs.map((t) => t.className));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((c) => c === 'denied')).toBe(true);
    await page.selectOption('select[name="outcome"]', '');
    await page.selectOption('select[name="module"]', 'notes');
    await page.selectOption('select[name="kind"]', 'grant');
    const who = await page.$$eval('table.audit tbody tr', (trs) =>
      trs.map((t) => `${t.getAttribute('data-kind')} ${t.children[3]?.textContent ?? ''}`),
    );
    expect(who.length).toBeGreaterThan(0);
    for (const row of who) expect(row).toMatch(/^grant\.\S+ .*\bnotes\b/);
    await page.selectOption('select[name="module"]', '');
    await page.selectOption('select[name="kind"]', '');
  }, 60_000);

  it("draws the demo's grants as edges, delegation included, with their methods and time left", async () => {
    await go('grants');
    for (const pair of ['notes->storage', 'notes->audit', 'audit->storage'])
      await page.waitForSelector(`tr[data-grant="${pair}"]`);
    expect(await page.textContent('tr[data-grant="notes->audit"] td:nth-child(2)')).toBe('summary');
    expect(await page.textContent('table.grants')).toMatch(/audit → storage \(via notes\)/);
    const edges = await page.evaluate(() => document.querySelectorAll('#graph canvas').length);
    expect(edges).toBeGreaterThan(0);
    await shot('grants');
  });

  it('revokes a grant from its edge in the graph: the edge vanishes, the trail names the session, the next call is refused', async () => {
    // Click the edge in the graph: its terms show beside it, with the Revoke button.
    const at = await page.evaluate(() => {
      const box = document.getElementById('graph') as HTMLElement & { cytoscape: any };
      const edge = box.cytoscape.edges('[source = "notes"][target = "audit"]')[0];
      const { x, y } = edge.renderedMidpoint();
      const r = box.getBoundingClientRect();
      return { x: r.left + x, y: r.top + y, id: edge.id() as string };
    });
    await page.mouse.click(at.x, at.y);
    const panel = await page.waitForSelector(`[data-selected-grant="${at.id}"]`);
    expect(await panel.textContent()).toMatch(
      /notes → audit.*methods: summary.*time left: \d+ min/s,
    );
    await (await panel.$('button:text("Revoke")'))?.click();
    await page.waitForSelector('tr[data-grant="notes->audit"]', { state: 'detached' });
    // The graph is redrawn in an effect after the table re-renders: wait for it, then check.
    await page
      .waitForFunction(
        (id) =>
          (
            document.getElementById('graph') as HTMLElement & { cytoscape: any }
          ).cytoscape.getElementById(id).length === 0,
        at.id,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
    expect(
      await page.evaluate(
        (id) =>
          (
            document.getElementById('graph') as HTMLElement & { cytoscape: any }
          ).cytoscape.getElementById(id).length,
        at.id,
      ),
    ).toBe(0);
    const grant = await page.textContent('[data-session-grant]');
    const trail = await tessera('audit', '--json', '--kind', 'operator.action', ...cfg());
    const actions = trail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(actions).toContainEqual(
      expect.objectContaining({
        kind: 'operator.action',
        outcome: 'success',
        grant,
        methods: ['revoke'],
        reason: 'revoke notes → audit',
      }),
    );
    // notes' next call on audit has no grant: it is put to the operator, who refuses it here.
    const next = call('notes', 'activity');
    await go('approvals');
    const card = await page.waitForSelector('[data-approval]', { timeout: 15_000 });
    await page.fill('[data-approval] input[name="reason"]', 'not today');
    await (await card.$('[data-deny]'))?.click();
    const { code } = await next.exited;
    expect(code).toBe(1);
    expect(next.stderr).toMatch(/PERMISSION_DENIED.*not today/);
  }, 60_000);

  it('approves an ask request, narrowed, and the waiting call succeeds', async () => {
    const waiting = call('notes', 'activity');
    const card = await page.waitForSelector('[data-approval]', { timeout: 15_000 });
    expect(await (await card.$('[data-code]'))?.textContent()).toMatch(/^\d{6}$/);
    await shot('approvals');
    await page.uncheck('[data-approval] input[value="recent"]');
    await (await card.$('[data-approve]'))?.click();
    expect((await waiting.exited).code).toBe(0);
    expect(waiting.stdout).toMatch(/"total"/);
    await page.waitForSelector('[data-empty]');
    await go('grants');
    await page.waitForSelector('tr[data-grant="notes->audit"]');
    expect(await page.textContent('tr[data-grant="notes->audit"] td:nth-child(2)')).toBe('summary');
  }, 60_000);

  it('a server on another loopback port that captures the session cookie can do nothing with it', async () => {
    // The attack: a module (or local user) listens on another 127.0.0.1 port and gets the
    // operator's browser there. The browser sends the dashboard's cookie along (cookies ignore
    // ports), with the page and with the image the page loads from itself.
    const captured: string[] = [];
    const evil: Server = createServer((req, res) => {
      if (req.headers.cookie) captured.push(req.headers.cookie);
      if (req.url === '/pixel.png') {
        res.writeHead(204).end();
        return;
      }
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><img src="/pixel.png">');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilPage = await context.newPage();
    try {
      const pixel = evilPage.waitForResponse((r) => r.url().endsWith('/pixel.png'));
      await evilPage.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      await pixel;
    } finally {
      await evilPage.close();
      evil.closeAllConnections();
      await new Promise((r) => evil.close(r));
    }
    const stolen = captured.map((c) => /tessera_dashboard=[\w-]+/.exec(c)?.[0]).find(Boolean);
    expect(stolen).toMatch(/^tessera_dashboard=[\w-]{43}$/);
    const cookie = stolen as string;

    // The modules' grants (each `tessera` command adds an operator session grant of its own).
    const grantIds = async () =>
      (
        JSON.parse((await tessera('inspect', '--json', ...cfg())).stdout) as Array<{
          id: string;
          caller: string;
        }>
      )
        .filter((g) => ['notes', 'storage', 'audit'].includes(g.caller))
        .map((g) => g.id)
        .sort();
    const grantsBefore = await grantIds();
    await go('modules');
    await page.waitForSelector('tr[data-module="notes"] [data-state]:text("ready")');
    const pidBefore = await page.textContent('tr[data-module="notes"] td:nth-child(3)');
    // Replayed from Node with the cookie alone: the session (and its CSRF token), the snapshot,
    // the live stream and the actions are all refused.
    const session = await fetch(`${base}/api/session`, { headers: { cookie } });
    const csrf = session.ok ? ((await session.json()) as { csrf: string }).csrf : '';
    expect(session.status).toBe(401);
    expect((await fetch(`${base}/api/snapshot`, { headers: { cookie } })).status).toBe(401);
    const ac = new AbortController();
    const stream = await fetch(`${base}/api/events`, { headers: { cookie }, signal: ac.signal });
    ac.abort();
    expect(stream.status).toBe(401);
    const action = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-tessera-csrf': csrf },
        body: JSON.stringify(body),
      });
    expect((await action('/api/revoke', { caller: 'notes', target: 'storage' })).status).toBe(401);
    expect((await action('/api/module', { action: 'unload', name: 'notes' })).status).toBe(401);
    // Nothing changed: the grant is there, the module runs as the same process.
    expect(await grantIds()).toEqual(grantsBefore);
    await page.waitForSelector('tr[data-module="notes"] [data-state]:text("ready")');
    expect(await page.textContent('tr[data-module="notes"] td:nth-child(3)')).toBe(pidBefore);
    // The operator's own page still works (it holds the page key).
    expect(await page.getAttribute('[data-live]', 'data-live')).toBe('true');
  }, 30_000);

  it('refuses a cross-site POST and a POST without the CSRF token', async () => {
    // A page on another origin (another port: the same site, so the cookie goes along) posts a revoke.
    const evil: Server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(
        `<form id="f" method="POST" action="${base}/api/revoke" enctype="text/plain"><input name='{"caller":"notes","target":"storage","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilPage = await context.newPage();
    try {
      const refused = evilPage.waitForResponse((r) => r.url() === `${base}/api/revoke`);
      await evilPage.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      expect((await refused).status()).toBe(403);
    } finally {
      await evilPage.close();
      await new Promise((r) => evil.close(r));
    }
    // Same origin, with the page key, but no CSRF token: refused too.
    const noToken = await page.evaluate(async () => {
      const r = await fetch('/api/revoke', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Tessera-Key': sessionStorage.getItem('tessera.pageKey') ?? '',
        },
        body: JSON.stringify({ caller: 'notes', target: 'storage' }),
      });
      return { status: r.status, body: await r.text() };
    });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toMatch(/CSRF token/);
    const grants = await tessera('inspect', '--json', ...cfg());
    expect(grants.stdout).toMatch(/"caller": "notes",\s*"target": "storage"/);
  }, 30_000);

  it('shows the policy revision, what the policy would decide, a narrowing reload and a rejected one as they happen', async () => {
    await go('policy');
    expect(await page.textContent('[data-revision]')).toMatch(/^\d+$/);
    expect(await page.textContent('[data-last-reload]')).toMatch(/none since the app started/);
    await page.click('[data-evaluate]');
    const decision = await page.waitForSelector('[data-decision]');
    const shown = JSON.parse((await decision.textContent()) ?? '{}') as Record<string, unknown>;
    expect(shown).toMatchObject({ allow: false });
    expect(String(shown['reason'])).toMatch(/set/);
    // A reload that withholds delete from notes on storage: the page shows the new revision, and
    // the grants page shows the live grant narrowed, without a reload of the page.
    const data = JSON.parse(readFileSync(join(bundle, 'data.json'), 'utf8')) as {
      tessera: Record<string, unknown>;
    };
    data.tessera['withhold'] = [{ caller: 'notes', target: 'storage', methods: ['delete'] }];
    writeFileSync(join(bundle, 'data.json.tmp'), JSON.stringify(data));
    renameSync(join(bundle, 'data.json.tmp'), join(bundle, 'data.json'));
    await page.waitForSelector('[data-last-reload]:has-text("in force")', { timeout: 20_000 });
    const revision = Number(await page.textContent('[data-revision]'));
    expect(revision).toBeGreaterThan(1);
    await go('grants');
    await page.waitForSelector(
      'tr[data-grant="notes->storage"] td:nth-child(2):text-is("get, list, set")',
    );
    await go('policy');
    // A broken bundle lands in the watched directory: refused, the old policy stays, the page says so.
    writeFileSync(join(bundle, 'policy.wasm'), 'not a wasm module');
    await page.waitForSelector('[data-last-reload]:has-text("bundle rejected")', {
      timeout: 20_000,
    });
    expect(Number(await page.textContent('[data-revision]'))).toBe(revision);
    await shot('policy');
  }, 40_000);

  it('restarts a module from the modules page, after a confirmation', async () => {
    await go('modules');
    const before = await page.textContent('tr[data-module="audit"] td:nth-child(3)');
    let asked = '';
    page.once('dialog', (d) => (asked = d.message()));
    await page.click('tr[data-module="audit"] button:text("Restart")');
    await page.waitForFunction(
      (pid) => {
        const row = document.querySelector('tr[data-module="audit"]');
        const now = row?.querySelector('td:nth-child(3)')?.textContent;
        return (
          row?.querySelector('[data-state]')?.textContent === 'ready' &&
          now !== pid &&
          /^\d+$/.test(now ?? '')
        );
      },
      before,
      { timeout: 20_000 },
    );
    expect(asked).toBe('restart audit?');
    const trail = await tessera('audit', '--json', '--kind', 'operator.action', ...cfg());
    expect(trail.stdout).toMatch(/"methods":\["unload"\][\s\S]*"methods":\["load"\]/);
  }, 40_000);

  it('never hands the page a token or the operator credential', async () => {
    const credential = readFileSync(runPathsFor(app.config).keyFile, 'utf8').trim();
    const snapshot = await page.evaluate(async () =>
      (
        await fetch('/api/snapshot', {
          headers: { 'X-Tessera-Key': sessionStorage.getItem('tessera.pageKey') ?? '' },
        })
      ).text(),
    );
    expect(snapshot).toMatch(/"modules"/);
    expect(snapshot).not.toContain(credential);
    expect(snapshot).not.toMatch(/"token"|"callerKey"|"session":/);
    expect(await page.content()).not.toContain(credential);
  });
});
