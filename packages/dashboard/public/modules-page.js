// Modules: state, host, resources; declared methods and events; load, unload, restart.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { bytes, dash, duration, html, useAction } from './shared.js';

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
