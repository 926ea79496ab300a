// The page's one way to reach the server: the public HTTP API, with the token the person
// typed (kept in sessionStorage only: never in a URL, never in a cookie).
const TOKEN_KEY = 'modelvault.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// An answer other than 2xx: the server's status, error code and message, as it sent them.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders(extra = {}) {
  const headers = { ...extra };
  const t = token();
  if (t) headers.Authorization = 'Bearer ' + t;
  return headers;
}

// Both error shapes: {"error":{"code","message"}} and the /v2 protocol's {"error","code"}.
function errorFrom(status, statusText, text) {
  let code = 'http_' + status;
  let message = statusText || 'HTTP ' + status;
  try {
    const j = JSON.parse(text);
    if (j && typeof j.error === 'string') {
      message = j.error;
      code = j.code || code;
    } else if (j && j.error) {
      code = j.error.code || code;
      message = j.error.message || message;
    }
  } catch {
    if (text) message = text.slice(0, 300);
  }
  return new ApiError(status, code, message);
}

// Sends a JSON request; resolves to the parsed answer (null for 204), rejects with ApiError.
export async function api(method, path, body) {
  const init = { method, cache: 'no-store', headers: authHeaders() };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'the server did not answer: ' + e.message);
  }
  const text = await res.text();
  if (!res.ok) throw errorFrom(res.status, res.statusText, text);
  return text ? JSON.parse(text) : null;
}

export const get = (path) => api('GET', path);

// Like get, but null for a 404 (a stage nobody holds, a version never checked).
export async function getOrNull(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

// "/api/v1/models" + {limit: 10, filter: ""} -> "/api/v1/models?limit=10" (empty values left out).
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? path + '?' + s : path;
}

export const enc = encodeURIComponent;

export function modelPath(m) {
  return '/api/v1/models/' + enc(m);
}

export function versionPath(m, v) {
  return modelPath(m) + '/versions/' + enc(v);
}

// Every page of a keyset-paged list, up to `maxPages`; `key` names the answer's array.
export async function allPages(path, params, key, maxPages = 10) {
  const out = [];
  let pageToken = '';
  for (let i = 0; i < maxPages; i++) {
    const page = await get(withQuery(path, { ...params, page_token: pageToken }));
    out.push(...page[key]);
    pageToken = page.next_page_token;
    if (!pageToken) return { items: out, complete: true };
  }
  return { items: out, complete: false };
}

// A multipart upload through XMLHttpRequest, whose upload progress events fetch() lacks.
// onProgress(loaded, total) runs as the bytes leave; resolves to the parsed answer.
export function upload(path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const t = token();
    if (t) xhr.setRequestHeader('Authorization', 'Bearer ' + t);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1, 1);
        resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null);
      } else {
        reject(errorFrom(xhr.status, xhr.statusText, xhr.responseText));
      }
    });
    xhr.addEventListener('error', () =>
      reject(new ApiError(0, 'network', 'the upload was cut off before the server answered')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', 'upload cancelled')));
    xhr.send(formData);
  });
}

// Runs fn over items with at most `width` in flight; failures are left to fn.
export async function eachLimited(items, width, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
