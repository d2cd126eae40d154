// The five pages. Each renders from the live state App keeps; actions go through api().
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './app.js';
import { GrantGraph } from './graph.js';

const html = htm.bind(h);
const dash = '–';
/** `caller → target`, as one text node (htm drops whitespace around line breaks). */
const pair = (g) => `${g.caller} → ${g.target}`;

export const duration = (ms) => {
  if (ms === undefined || ms === null) return dash;
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60
    ? `${s} s`
    : s < 3600
      ? `${Math.floor(s / 60)} min ${s % 60} s`
      : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};
const bytes = (n) => (n === undefined ? dash : `${(n / 1048576).toFixed(1)} MiB`);
const time = (iso) => new Date(iso).toLocaleTimeString();

/** Ticks every second so "time left" and uptimes move between updates. */
function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function useAction() {
  const [msg, setMsg] = useState('');
  const run = async (what, fn) => {
    try {
      await fn();
      setMsg(`${what}: done`);
    } catch (err) {
      setMsg(`${what}: ${err.message}`);
    }
  };
  return [msg, run];
}

export function ModulesPage({ data, app }) {
  const [open, setOpen] = useState(null);
  const [described, setDescribed] = useState({});
  const [msg, run] = useAction();
  const describe = async (name) => {
    setOpen(open === name ? null : name);
    if (!described[name]) {
      const d = await api(`/api/modules/${encodeURIComponent(name)}`).catch((e) => ({
        error: e.message,
      }));
      setDescribed((x) => ({ ...x, [name]: d }));
    }
  };
  const act = (action, name) => {
    if (!confirm(`${action} ${name}?`)) return;
    run(`${action} ${name}`, () => api('/api/module', { action, name }));
  };
  return html`
    <h2>Modules</h2>
    <table class="modules">
      <thead>
        <tr>
          <th>MODULE</th>
          <th>STATE</th>
          <th>PID</th>
          <th>HOST</th>
          <th>TRANSPORT</th>
          <th>UPTIME</th>
          <th>RESTARTS</th>
          <th>CPU %</th>
          <th>MEMORY</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${data.modules.map(
          (m) =>
            html` <tr data-module=${m.name}>
              <td>
                <a href="#modules" onClick=${() => describe(m.name)}>${m.name}</a> ${
                  open === m.name && described[m.name]
                    ? html`<div class="muted mono" data-described=${m.name}>
                        ${described[m.name].error ?? html`methods: ${described[m.name].methods.map((x) => `${x.name}(${x.params.join(', ')})`).join(', ') || dash}<br />events: ${described[m.name].events.map((e) => e.name).join(', ') || dash}`}
                      </div>`
                    : ''
                }
              </td>
              <td class="state-${m.state}" data-state>${m.state}</td>
              <td>${m.pid ?? (m.isolation === 'in-process' ? 'in-proc' : dash)}</td>
              <td>${m.isolation === 'remote' ? 'remote' : m.isolation ? 'local' : dash}</td>
              <td>${m.isolation === 'in-process' ? 'in-process' : (app.transport ?? dash)}</td>
              <td>${m.loaded ? duration(m.uptimeMs) : dash}</td>
              <td>${m.restarts ?? dash}</td>
              <td>${m.cpuPercent !== undefined ? m.cpuPercent.toFixed(1) : dash}</td>
              <td>${bytes(m.rssBytes)}</td>
              <td>
                ${
                  m.loaded
                    ? html`<button onClick=${() => act('restart', m.name)}>Restart</button>
                        <button class="danger" onClick=${() => act('unload', m.name)}>
                          Unload
                        </button>`
                    : html`<button onClick=${() => act('load', m.name)}>Load</button>`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted">
      Click a module for its declared methods and events. CPU and memory are sampled every two
      seconds while this page is open.
    </p>
    ${msg ? html`<div class="toast">${msg}</div>` : ''}
  `;
}

const terms = (g) => {
  const out = [];
  if (g.constraints) out.push(`constraints ${JSON.stringify(g.constraints)}`);
  if (g.rateLimit) out.push(`rate ${JSON.stringify(g.rateLimit)}`);
  return out.join(' · ');
};

export function GrantsPage({ data }) {
  const now = useNow();
  const [withCore, setWithCore] = useState(false);
  const [selected, setSelected] = useState(null);
  const [msg, run] = useAction();
  const shown = data.grants.filter((g) => withCore || (g.target !== 'core' && g.caller !== 'core'));
  const sel = shown.find((g) => g.id === selected);
  const revoke = (g) => {
    if (!confirm(`Revoke ${g.caller} → ${g.target}?`)) return;
    run(`revoke ${g.caller} → ${g.target}`, () =>
      api('/api/revoke', { caller: g.caller, target: g.target }),
    );
  };
  return html`
    <h2>Grants graph</h2>
    <div class="filters">
      <label
        ><input
          type="checkbox"
          checked=${withCore}
          onChange=${(e) => setWithCore(e.target.checked)}
        />
        show channels to the core</label
      >
      <span class="muted"
        >Edges: live grants, labelled with their methods; dashed: delegated. Click an edge for its
        terms.</span
      >
    </div>
    <div class="graph-wrap">
      <${GrantGraph}
        modules=${data.modules.map((m) => m.name)}
        grants=${shown}
        now=${now}
        onSelect=${setSelected}
      />
      <div class="panel" data-selected-grant=${sel?.id ?? ''}>
        ${
          sel
            ? html` <h3>${pair(sel)}</h3>
                <p>methods: <b>${sel.methods.join(', ')}</b></p>
                <p>time left: ${duration(sel.expiresAt - now)}</p>
                ${terms(sel) ? html`<p class="mono">${terms(sel)}</p>` : ''}
                ${sel.chain ? html`<p>delegated via ${sel.chain.join(' → ')}</p>` : ''}
                <p class="muted">${sel.reason}</p>
                <p class="mono">
                  grant ${sel.id}${sel.keyFingerprint ? html`<br />key ${sel.keyFingerprint}` : ''}
                </p>
                <button class="danger" onClick=${() => revoke(sel)}>Revoke</button>`
            : html`<p class="muted">Select an edge.</p>`
        }
      </div>
    </div>
    <table class="grants">
      <thead>
        <tr>
          <th>CALLER → TARGET</th>
          <th>METHODS</th>
          <th>TERMS</th>
          <th>TIME LEFT</th>
          <th>GRANT</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${shown
          .sort((a, b) => `${a.caller}${a.target}`.localeCompare(`${b.caller}${b.target}`))
          .map(
            (g) =>
              html` <tr data-grant="${g.caller}->${g.target}">
                <td>
                  ${pair(g)}${g.chain ? html` <span class="muted">(via ${g.chain.join(' → ')})</span>` : ''}
                </td>
                <td>${g.methods.join(', ')}</td>
                <td class="mono">${terms(g) || dash}</td>
                <td>${duration(g.expiresAt - now)}</td>
                <td class="mono">${g.id}</td>
                <td>
                  ${g.target === 'core' ? '' : html`<button class="danger" data-revoke="${g.caller}->${g.target}" onClick=${() => revoke(g)}>Revoke</button>`}
                </td>
              </tr>`,
          )}
      </tbody>
    </table>
    ${msg ? html`<div class="toast">${msg}</div>` : ''}
  `;
}

const OUTCOME = { success: '✓', denied: '✗', failure: '!' };

export function AuditPage({ data }) {
  const [module, setModule] = useState('');
  const [outcome, setOutcome] = useState('');
  const [kind, setKind] = useState('');
  const kinds = [...new Set(data.audit.map((e) => e.kind.split('.')[0]))].sort();
  const rows = data.audit.filter(
    (e) =>
      (!module || e.subject === module || e.target === module) &&
      (!outcome || e.outcome === outcome) &&
      (!kind || e.kind === kind || e.kind.startsWith(`${kind}.`)),
  );
  return html`
    <h2>Audit stream</h2>
    <div class="filters">
      <label
        >module
        <select name="module" value=${module} onChange=${(e) => setModule(e.target.value)}>
          <option value="">all</option>
          ${data.modules.map((m) => html`<option>${m.name}</option>`)}
          <option>operator</option>
        </select></label
      >
      <label
        >outcome
        <select name="outcome" value=${outcome} onChange=${(e) => setOutcome(e.target.value)}>
          <option value="">all</option>
          <option>success</option>
          <option>denied</option>
          <option>failure</option>
        </select></label
      >
      <label
        >kind
        <select name="kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
          <option value="">all</option>
          ${kinds.map((k) => html`<option>${k}</option>`)}
        </select></label
      >
      <span class="muted">${rows.length} of ${data.audit.length} events, newest first</span>
    </div>
    <table class="audit">
      <thead>
        <tr>
          <th></th>
          <th>TIME</th>
          <th>KIND</th>
          <th>WHO → WHAT</th>
          <th>METHODS</th>
          <th>REASON</th>
        </tr>
      </thead>
      <tbody>
        ${[...rows]
          .reverse()
          .slice(0, 300)
          .map(
            (e) =>
              html` <tr class=${e.outcome} data-kind=${e.kind} data-seq=${e.seq}>
                <td class="outcome">${OUTCOME[e.outcome]}</td>
                <td class="mono">${time(e.time)}</td>
                <td class="mono">${e.kind}</td>
                <td>
                  ${e.subject ?? ''}${e.target ? ` → ${e.target}` : ''}${e.count > 1 ? ` ×${e.count}` : ''}
                </td>
                <td class="mono">${(e.methods ?? []).join(', ')}</td>
                <td>
                  ${e.code ? html`<code>${e.code}</code> ` : ''}${e.reason}${e.grant ? html` <span class="muted mono">grant ${e.grant}</span>` : ''}
                </td>
              </tr>`,
          )}
      </tbody>
    </table>
  `;
}

function Approval({ a }) {
  const [methods, setMethods] = useState(a.methods);
  const [ttl, setTtl] = useState('');
  const [reason, setReason] = useState('');
  const [msg, run] = useAction();
  const toggle = (m) =>
    setMethods((ms) => (ms.includes(m) ? ms.filter((x) => x !== m) : [...ms, m]));
  return html` <div class="card" data-approval=${a.id}>
    <h3>${pair(a)} <span class="muted mono">request ${a.id}</span></h3>
    <p>
      verification code <span class="code" data-code>${a.code}</span>
      <span class="muted">(the requesting module logged the same code)</span>
    </p>
    <p class="muted">${a.reason}</p>
    <p>
      grant:
      ${a.methods.map((m) => html`<label><input type="checkbox" name="method" value=${m} checked=${methods.includes(m)} onChange=${() => toggle(m)} /> ${m} </label>`)}
      · TTL
      <input
        name="ttl"
        size="6"
        placeholder=${String(a.ttlSeconds)}
        value=${ttl}
        onInput=${(e) => setTtl(e.target.value)}
      />
      s
    </p>
    <button
      class="primary"
      data-approve
      onClick=${() => run('approve', () => api('/api/approve', { id: a.id, code: a.code, methods, ttlSeconds: ttl || undefined }))}
    >
      Approve
    </button>
    <input
      name="reason"
      placeholder="reason for a denial"
      value=${reason}
      onInput=${(e) => setReason(e.target.value)}
    />
    <button
      class="danger"
      data-deny
      onClick=${() => run('deny', () => api('/api/deny', { id: a.id, reason: reason || undefined }))}
    >
      Deny
    </button>
    ${msg ? html`<p class="muted" data-result>${msg}</p>` : ''}
  </div>`;
}

export function ApprovalsPage({ data }) {
  return html`
    <h2>Approvals</h2>
    ${data.approvals.length === 0 ? html`<p class="muted" data-empty>No request waits for the operator.</p>` : data.approvals.map((a) => html`<${Approval} key=${a.id} a=${a} />`)}
  `;
}

const EXAMPLE = {
  subject: {
    name: 'audit',
    requires: ['notes-watch', 'kv-watch'],
    provides: { 'audit-read': ['summary', 'recent'] },
  },
  target: {
    name: 'storage',
    requires: [],
    provides: {
      'kv-read': ['get', 'list'],
      'kv-write': ['set', 'delete'],
      'kv-watch': ['event:changed'],
    },
  },
  methods: ['set'],
  context: { time: new Date().toISOString(), purpose: 'request' },
};

export function PolicyPage({ data }) {
  const [input, setInput] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [result, setResult] = useState(null);
  const p = data.policy;
  const evaluate = async () => {
    try {
      setResult({ ok: await api('/api/policy/eval', { input: JSON.parse(input) }) });
    } catch (err) {
      setResult({ error: err.message });
    }
  };
  return html`
    <h2>Policy</h2>
    <div class="card">
      <p>revision in force: <b data-revision>${p.revision}</b></p>
      <p data-last-reload>
        last reload:
        ${
          !p.lastReload
            ? 'none since the app started'
            : p.lastReload.ok
              ? html`<span class="state-ready">revision ${p.lastReload.revision} in force</span> at
                  ${new Date(p.lastReload.at).toLocaleTimeString()}`
              : html`<span class="error"
                    >bundle rejected, the old policy stays: ${p.lastReload.error}</span
                  >
                  at ${new Date(p.lastReload.at).toLocaleTimeString()}`
        }
      </p>
    </div>
    <h3>What would the policy decide?</h3>
    <p class="muted">A policy input, evaluated against the policy in force: nothing is granted.</p>
    <textarea name="input" value=${input} onInput=${(e) => setInput(e.target.value)}></textarea>
    <p><button class="primary" data-evaluate onClick=${evaluate}>Evaluate</button></p>
    ${result ? (result.error ? html`<p class="error" data-decision>${result.error}</p>` : html`<pre data-decision>${JSON.stringify(result.ok, null, 2)}</pre>`) : ''}
  `;
}
