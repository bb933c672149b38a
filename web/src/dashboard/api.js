// The cloud's JSON API (docs/dashboard.md lists the calls). Every call is a GET under /api/v1.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${message || code || 'error'} (HTTP ${status})`);
    this.status = status;
    this.code = code;
  }
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
  const response = await fetch(apiUrl(path, params), { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch { /* not the error schema */ }
    throw new ApiError(response.status, body.code, body.message);
  }
  return response.json();
}
