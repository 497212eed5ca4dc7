// The one way the app talks to the platform: same-origin fetch to /api/v1 through the gateway.
//
// Tokens: the access token lives only in memory (a script injected later cannot read it from
// storage, and it expires in minutes); the refresh token is in sessionStorage, so a reload of
// this tab keeps you signed in, a new tab or a closed browser does not. See docs/web.md.

const REFRESH_KEY = "cinemesh.refresh";
let accessToken = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `Request failed (${status})`);
    this.status = status;
    this.problem = problem ?? {};
    // The problem's `type` ends in its code: https://cinemesh.dev/problems/<code>.
    this.code = this.problem.code ?? (this.problem.type?.startsWith("http") ? this.problem.type.split("/").pop() : undefined);
  }
}

export function onSignedOut(listener) {
  listeners.add(listener);
}

export function hasSession() {
  return accessToken !== null || sessionStorage.getItem(REFRESH_KEY) !== null;
}

export function bearer() {
  return accessToken;
}

export function setTokens(tokens) {
  accessToken = tokens.access_token;
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
}

export function clearTokens() {
  accessToken = null;
  sessionStorage.removeItem(REFRESH_KEY);
}

/** Trades the refresh token for a new pair, once at a time however many calls are waiting. */
export function refresh() {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return Promise.resolve(false);
  refreshing ??= fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: token }),
  })
    .then(async (response) => {
      if (!response.ok) {
        clearTokens();
        return false;
      }
      setTokens(await response.json());
      return true;
    })
    .catch(() => false)
    .finally(() => (refreshing = null));
  return refreshing;
}

/**
 * api("/titles", {query: {limit: 20}}) -> parsed JSON (or null for 204).
 * @param {string} path under /api/v1
 * @param {{method?: string, body?: any, query?: Record<string, any>, headers?: Record<string,string>, auth?: boolean}} [options]
 */
export async function api(path, options = {}) {
  // `signal` (an AbortController's) cancels the request: a search box drops stale queries.
  const { method = "GET", body, query, headers = {}, auth = true, signal } = options;
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const send = () => {
    const h = { Accept: "application/json", ...headers };
    if (auth && accessToken) h.Authorization = `Bearer ${accessToken}`;
    let payload = body;
    if (body !== undefined && !(body instanceof Blob) && typeof body !== "string") {
      h["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(url, { method, headers: h, body: payload, signal });
  };
  let response = await send();
  if (response.status === 401 && auth && (await refresh())) response = await send();
  if (response.status === 401 && auth) {
    clearTokens();
    listeners.forEach((listener) => listener());
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") ?? "";
  return type.includes("json") ? response.json() : response.text();
}
