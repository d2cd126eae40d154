// The dashboard's JSON API and live stream, as the page calls them.
let csrf = '';
const KEY = 'tessera.pageKey';

/**
 * Take the page key from the login redirect's fragment (`#k=…`) into this
 * tab's sessionStorage, and strip it from the address bar and history. The
 * key is the session's second secret: the browser never sends it by itself
 * (unlike the cookie, which goes to every port of this host), so every API
 * call adds it in a header.
 */
export function takePageKey() {
  const m = /^#k=([\w-]{1,100})$/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(KEY, m[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
}

const pageKey = () => sessionStorage.getItem(KEY) ?? '';

/** Whether this tab holds a page key (a new tab does not: it needs a login of its own). */
export const hasPageKey = () => pageKey() !== '';

/** Remember the session's CSRF token (from /api/session) for state-changing calls. */
export function setCsrf(token) {
  csrf = token;
}

/** JSON API call, with the page key; state-changing ones carry the session's CSRF token too. */
export async function api(path, body) {
  const headers = { 'X-Tessera-Key': pageKey() };
  const init =
    body === undefined
      ? { headers }
      : {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json', 'X-Tessera-CSRF': csrf },
          body: JSON.stringify(body),
        };
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  const out = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new Error(out.error ? `${out.error.code}: ${out.error.message}` : `HTTP ${res.status}`);
  return out;
}

/**
 * A Server-Sent Events stream read with fetch, so that it carries the page
 * key header (EventSource cannot send one). It dispatches each message as a
 * MessageEvent named after its event, 'error' when the connection drops, and
 * reconnects after a pause, as EventSource does; a refusal (401, 403, 429)
 * dispatches 'refused' with the reason and stops.
 */
export function liveStream(path, retryMs = 2000) {
  const target = new EventTarget();
  const ac = new AbortController();
  const once = async () => {
    const res = await fetch(path, {
      credentials: 'same-origin',
      headers: { 'X-Tessera-Key': pageKey(), Accept: 'text/event-stream' },
      signal: ac.signal,
    });
    if (!res.ok) {
      const out = await res.json().catch(() => ({}));
      const reason = out.error ? `${out.error.code}: ${out.error.message}` : `HTTP ${res.status}`;
      if (res.status >= 400 && res.status < 500) return reason;
      throw new Error(reason);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) target.dispatchEvent(new MessageEvent(event, { data: data.join('\n') }));
      }
    }
  };
  (async () => {
    while (!ac.signal.aborted) {
      let refused;
      try {
        refused = await once();
      } catch {
        // dropped: reconnect below
      }
      if (ac.signal.aborted) return;
      if (refused !== undefined) {
        target.dispatchEvent(new MessageEvent('refused', { data: refused }));
        return;
      }
      target.dispatchEvent(new Event('error'));
      await new Promise((r) => setTimeout(r, retryMs));
    }
  })();
  target.close = () => ac.abort();
  return target;
}
