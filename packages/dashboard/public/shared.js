// What the pages share: the html tag, formatting, and two small hooks.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);
export const dash = '–';
/** `caller → target`, as one text node (htm drops whitespace around line breaks). */
export const pair = (g) => `${g.caller} → ${g.target}`;

export const duration = (ms) => {
  if (ms === undefined || ms === null) return dash;
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60
    ? `${s} s`
    : s < 3600
      ? `${Math.floor(s / 60)} min ${s % 60} s`
      : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};
export const bytes = (n) => (n === undefined ? dash : `${(n / 1048576).toFixed(1)} MiB`);
export const time = (iso) => new Date(iso).toLocaleTimeString();

/** Ticks every second so "time left" and uptimes move between updates. */
export function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function useAction() {
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
