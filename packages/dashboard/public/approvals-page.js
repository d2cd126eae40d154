// Requests the policy put to the operator: approve (narrowed) or deny.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { html, pair, useAction } from './shared.js';

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
