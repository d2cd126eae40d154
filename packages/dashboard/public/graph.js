// The grants graph: modules as nodes, live grants as edges, laid out by cytoscape.
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import cytoscape from 'cytoscape';

const STYLE = [
  {
    selector: 'node',
    style: {
      label: 'data(id)',
      'background-color': '#2f5bd3',
      color: '#1d2330',
      'text-valign': 'bottom',
      'text-margin-y': 6,
      'font-size': 13,
    },
  },
  {
    selector: 'node[kind = "system"]',
    style: { 'background-color': '#687086', shape: 'round-rectangle' },
  },
  {
    selector: 'edge',
    style: {
      label: 'data(label)',
      'curve-style': 'bezier',
      'target-arrow-shape': 'triangle',
      width: 2,
      'line-color': '#8aa0e6',
      'target-arrow-color': '#8aa0e6',
      'font-size': 10,
      'text-rotation': 'autorotate',
      'text-background-color': '#fff',
      'text-background-opacity': 0.85,
    },
  },
  {
    selector: 'edge[?delegated]',
    style: { 'line-style': 'dashed', 'line-color': '#a15c00', 'target-arrow-color': '#a15c00' },
  },
  {
    selector: 'edge:selected',
    style: { 'line-color': '#b42318', 'target-arrow-color': '#b42318', width: 3 },
  },
];

const left = (ms) => (ms > 0 ? `${Math.round(ms / 1000)} s` : 'expired');

/** Edges appear, narrow and vanish as the grants prop changes; positions stay put. */
export function GrantGraph({ modules, grants, now, onSelect }) {
  const box = useRef(null);
  const cy = useRef(null);
  useEffect(() => {
    cy.current = cytoscape({ container: box.current, style: STYLE, wheelSensitivity: 0.3 });
    cy.current.on('tap', 'edge', (e) => onSelect(e.target.id()));
    // Reachable from the console (and the browser tests): document.getElementById('graph').cytoscape.
    box.current.cytoscape = cy.current;
    return () => cy.current.destroy();
  }, []);
  useEffect(() => {
    const g = cy.current;
    const names = new Set([...modules, ...grants.flatMap((x) => [x.caller, x.target])]);
    let added = false;
    g.batch(() => {
      for (const n of names)
        if (g.getElementById(n).empty()) {
          g.add({
            group: 'nodes',
            data: { id: n, kind: modules.includes(n) ? 'module' : 'system' },
          });
          added = true;
        }
      const ids = new Set(grants.map((x) => x.id));
      g.edges().forEach((e) => {
        if (!ids.has(e.id())) e.remove();
      });
      for (const x of grants) {
        const label = `${x.methods.join(', ')} · ${left(x.expiresAt - now)}${x.rateLimit ? ' · limited' : ''}${x.constraints ? ' · scoped' : ''}`;
        const el = g.getElementById(x.id);
        if (el.empty()) {
          g.add({
            group: 'edges',
            data: {
              id: x.id,
              source: x.caller,
              target: x.target,
              label,
              delegated: x.parent !== undefined,
            },
          });
        } else el.data('label', label);
      }
    });
    if (added) g.layout({ name: 'circle', padding: 40 }).run();
  }, [modules, grants, now]);
  return h('div', { id: 'graph', ref: box });
}
