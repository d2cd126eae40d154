// The grants graph and the same grants as a table; revoke from either.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { GrantGraph } from './graph.js';
import { dash, duration, html, pair, useAction, useNow } from './shared.js';

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
