// The dashboard's JSON API, as the page calls it.
let csrf = '';

/** Remember the session's CSRF token (from /api/session) for state-changing calls. */
export function setCsrf(token) {
  csrf = token;
}

/** JSON API call; state-changing ones carry the session's CSRF token. */
export async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Tessera-CSRF': csrf },
          body: JSON.stringify(body),
        };
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  const out = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new Error(out.error ? `${out.error.code}: ${out.error.message}` : `HTTP ${res.status}`);
  return out;
}
