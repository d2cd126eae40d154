// The dashboard page: one snapshot, then live updates over Server-Sent Events.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api, hasPageKey, liveStream, setCsrf, takePageKey } from './api.js';
import { ApprovalsPage } from './approvals-page.js';
import { AuditPage } from './audit-page.js';
import { GrantsPage } from './grants-page.js';
import { ModulesPage } from './modules-page.js';
import { PolicyPage } from './policy-page.js';

const html = htm.bind(h);
const PAGES = {
  modules: ModulesPage,
  grants: GrantsPage,
  audit: AuditPage,
  approvals: ApprovalsPage,
  policy: PolicyPage,
};
const TITLES = {
  modules: 'Modules',
  grants: 'Grants graph',
  audit: 'Audit stream',
  approvals: 'Approvals',
  policy: 'Policy',
};

const pageOf = () => (location.hash.slice(1) in PAGES ? location.hash.slice(1) : 'modules');

/** Apply one grant change to the list the page shows. */
function applyGrant(grants, g) {
  const rest = grants.filter((x) => x.id !== g.id);
  if (g.change === 'revoked') return rest;
  const old = grants.find((x) => x.id === g.id) ?? {};
  const fields = { ...g };
  for (const k of ['change', 'at', 'from']) delete fields[k];
  return [...rest, { ...old, ...fields }];
}

function App() {
  const [page, setPage] = useState(pageOf());
  const [session, setSession] = useState(null);
  const [data, setData] = useState(null);
  const [live, setLive] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    const onHash = () => setPage(pageOf());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    let source;
    (async () => {
      if (!hasPageKey())
        throw new Error(
          'this tab has no dashboard session key (it lives in the tab that logged in): open a new one-time login URL, from `tessera dashboard`',
        );
      const s = await api('/api/session');
      setCsrf(s.csrf);
      setSession(s);
      setData(await api('/api/snapshot'));
      source = liveStream('/api/events');
      // The stream reconnects by itself; what changed meanwhile comes with a fresh snapshot.
      let connected = false;
      source.addEventListener('ready', () => {
        setLive(true);
        if (connected) api('/api/snapshot').then(setData, () => undefined);
        connected = true;
      });
      source.addEventListener('error', () => setLive(false));
      source.addEventListener('refused', (e) => {
        setLive(false);
        setError(`live updates refused: ${e.data}`);
      });
      source.addEventListener('failed', (e) => {
        const err = JSON.parse(e.data);
        setError(`live updates refused: ${err.code}: ${err.message}`);
        source.close();
      });
      const on = (name, fn) =>
        source.addEventListener(name, (e) => setData((d) => (d ? fn(d, JSON.parse(e.data)) : d)));
      on('modules', (d, modules) => ({ ...d, modules }));
      // A change shows at once; the full grant (terms, delegation chain) follows from the list.
      let refetch;
      on('grant', (d, g) => {
        clearTimeout(refetch);
        refetch = setTimeout(
          () =>
            api('/api/grants').then(
              (grants) => setData((x) => ({ ...x, grants })),
              () => undefined,
            ),
          150,
        );
        return { ...d, grants: applyGrant(d.grants, g) };
      });
      on('security', (d, e) => ({
        ...d,
        audit: [...d.audit.filter((x) => x.seq !== e.seq), e].slice(-1000),
      }));
      on('approval', (d) => {
        api('/api/approvals').then(
          (approvals) => setData((x) => ({ ...x, approvals })),
          () => undefined,
        );
        return d;
      });
      source.addEventListener('security', (e) => {
        const kind = JSON.parse(e.data).kind;
        if (kind.startsWith('policy.'))
          api('/api/policy').then(
            (policy) => setData((x) => ({ ...x, policy })),
            () => undefined,
          );
      });
    })().catch((err) => setError(String(err.message ?? err)));
    return () => source?.close();
  }, []);
  const Page = PAGES[page];
  return html`
    <header>
      <h1>Tessera</h1>
      <nav>
        ${Object.keys(PAGES).map((p) => html`<a href="#${p}" class=${p === page ? 'active' : ''} data-page=${p}>${TITLES[p]}${p === 'approvals' && data?.approvals.length ? ` (${data.approvals.length})` : ''}</a>`)}
      </nav>
      <span class="live ${live ? 'on' : 'off'}" data-live=${live}
        >${live ? '● live' : '○ offline'}</span
      >
      <span class="who"
        >${session ? html`operator session <code data-session-grant>${session.grant}</code> · ${session.app.transport ?? ''} ${session.app.isolation ?? ''}` : ''}</span
      >
    </header>
    <main data-page=${page}>
      ${error ? html`<p class="error">${error}</p>` : ''}
      ${data ? html`<${Page} data=${data} setData=${setData} app=${session?.app ?? {}} />` : html`<p class="muted">loading…</p>`}
    </main>
  `;
}

// Before anything reads the hash as a page name: the login's page key leaves the address bar.
takePageKey();
render(html`<${App} />`, document.getElementById('root'));
