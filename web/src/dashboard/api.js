// The cloud's JSON API (docs/dashboard.md lists the calls). Data calls are GETs under /api/v1.
//
// With [cloud.access] required = true the data calls need a session token (docs/cloud.md,
// "Identity"): login() keeps it in sessionStorage — gone when the tab closes, never shared with
// other tabs or written to disk as a cookie would be — and every call sends it as
// Authorization: Bearer. A 401 forgets it; the caller then shows the log-in form.

const TOKEN_KEY = 'omni.dashboard.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${message || code || 'error'} (HTTP ${status})`);
    this.status = status;
    this.code = code;
  }
}

function storage() {
  try { return window.sessionStorage; } catch { return null; }  // blocked storage: no session
}

export function sessionToken() {
  return storage()?.getItem(TOKEN_KEY) ?? '';
}

function forgetToken() {
  storage()?.removeItem(TOKEN_KEY);
}

function headers(extra = {}) {
  const token = sessionToken();
  return { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

async function failure(response) {
  let body = {};
  try { body = await response.json(); } catch { /* not the error schema */ }
  if (response.status === 401) forgetToken();
  return new ApiError(response.status, body.code, body.message);
}

// '/api/v1/<path>?<params>' without the parameters that are empty.
export function apiUrl(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const query = q.toString();
  return `/api/v1/${path}${query ? `?${query}` : ''}`;
}

export async function getJson(path, params = {}) {
  const response = await fetch(apiUrl(path, params), { headers: headers() });
  if (!response.ok) throw await failure(response);
  return response.json();
}

// POST /login; keeps the token. Resolves with {user, role, region, kind}; a refusal is an
// ApiError with status 401 (the same whatever was wrong).
export async function login(user, password) {
  const response = await fetch(apiUrl('login'), {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  if (!response.ok) throw await failure(response);
  const session = await response.json();
  storage()?.setItem(TOKEN_KEY, session.token);
  return session;
}

// GET /me: the logged-in user, or null without a (valid) session.
export async function whoAmI() {
  if (!sessionToken()) return null;
  try {
    return await getJson('me');
  } catch (err) {
    if (err.status === 401) return null;
    throw err;
  }
}

// A table download (format=csv|xlsx) fetched with the session's token and handed to the browser
// as a file: a plain link cannot carry the Authorization header. The file name is the one the
// cloud gives in Content-Disposition.
export async function download(path, params) {
  const response = await fetch(apiUrl(path, params), { headers: headers({ Accept: '*/*' }) });
  if (!response.ok) throw await failure(response);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `${path.replace(/\W+/g, '-')}.${params.format}`;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// POST /logout; the token is forgotten even if the cloud cannot be reached.
export async function logout() {
  const token = sessionToken();
  forgetToken();
  if (!token) return;
  try {
    await fetch(apiUrl('logout'), { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  } catch { /* the session then ends by its idle time-out */ }
}
