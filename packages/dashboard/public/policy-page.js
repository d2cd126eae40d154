// The policy in force, its last reload, and what it would decide.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { html } from './shared.js';

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
