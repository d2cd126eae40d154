// The security trail as it happens, filtered; denials stand out.
import { useState } from 'preact/hooks';
import { html, time } from './shared.js';

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
