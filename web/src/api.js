// The one way the app talks to the platform: same-origin fetch to /api/v1 through the gateway.
//
// Tokens: the access token lives only in memory (a script injected later cannot read it from
// storage, and it expires in minutes). The refresh token never reaches a script: the users
// service keeps it in an HttpOnly, SameSite=Strict cookie scoped to /api/v1/auth/refresh
// (`X-Refresh-Transport: cookie`), so a new tab or a restarted browser signs in again by one
// refresh. localStorage only remembers *that* there is a session (no secret), so anonymous
// visitors are not sent into a refresh that must fail. See docs/web.md.

const SIGNED_IN_KEY = "cinemesh.signed-in";
const COOKIE_TRANSPORT = { "X-Refresh-Transport": "cookie" };
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
  return accessToken !== null || localStorage.getItem(SIGNED_IN_KEY) !== null;
}

export function bearer() {
  return accessToken;
}

export function setTokens(tokens) {
  accessToken = tokens.access_token;
  localStorage.setItem(SIGNED_IN_KEY, "1");
}

export function clearTokens() {
  accessToken = null;
  localStorage.removeItem(SIGNED_IN_KEY);
}

/** Signs in; the refresh token comes back as the cookie, never to this script. */
export async function logIn(email, password) {
  setTokens(await api("/auth/login", { method: "POST", body: { email, password }, headers: COOKIE_TRANSPORT, auth: false }));
}

/** A refresh token handed over in a URL fragment (social login) is traded for the cookie at once. */
export async function adoptRefreshToken(refreshToken) {
  const body = { refresh_token: refreshToken };
  setTokens(await api("/auth/refresh", { method: "POST", body, headers: COOKIE_TRANSPORT, auth: false }));
}

/** Ends this browser's session at the server and forgets the cookie. */
export async function logOut() {
  await fetch("/api/v1/auth/refresh", { method: "DELETE", headers: COOKIE_TRANSPORT }).catch(() => {});
  clearTokens();
}

function rotate() {
  return fetch("/api/v1/auth/refresh", { method: "POST", headers: COOKIE_TRANSPORT }).then(async (response) => {
    if (!response.ok) {
      // 401: signed out, expired or revoked. Anything else (the server restarting) keeps the
      // session for the next attempt.
      if (response.status === 401) clearTokens();
      return false;
    }
    setTokens(await response.json());
    return true;
  });
}

/**
 * Trades the cookie for a new access token (and a rotated cookie), once at a time however many
 * calls are waiting - in this tab by sharing the promise, across tabs by a Web Lock: two tabs
 * presenting the same refresh token would look like a stolen token being reused, and the
 * server would end the session.
 */
export function refresh() {
  if (!hasSession()) return Promise.resolve(false);
  const run = () => rotate().catch(() => false);
  refreshing ??= (navigator.locks ? navigator.locks.request("cinemesh.refresh", run) : run()).finally(
    () => (refreshing = null),
  );
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
