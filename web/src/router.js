// History-API routing: real URLs (/title/<id>), so reload and deep links work (the server
// answers every non-API path with the shell).

const routes = [];
let cleanup = null;

/** route("/title/:id", (params, query) => ..., {auth: true, profile: true}) */
export function route(pattern, handler, options = {}) {
  const keys = [];
  const regex = new RegExp(
    "^" + pattern.replace(/:([a-z_]+)/gi, (_, key) => (keys.push(key), "([^/]+)")) + "/?$",
  );
  routes.push({ regex, keys, handler, options });
}

let guard = async () => true;
let failed = (error) => console.error(error);
/** How a page that failed to load is shown (not found, forbidden, network down). */
export function setErrorHandler(fn) {
  failed = fn;
}
export function setGuard(fn) {
  guard = fn;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return dispatch();
}

/** Called when leaving a page (the player ends its session here). */
export function onLeave(fn) {
  cleanup = fn;
}

// Which navigation is current: a page still loading when the viewer moves on must not paint
// its late error (its rows are gone, say) over the page that replaced it.
let generation = 0;
// The newest navigation whose page has painted. A superseded page that finishes loading after
// it has painted over it (views render when their data arrives): the current page is shown again.
let painted = 0;

export async function dispatch() {
  const mine = ++generation;
  if (cleanup) {
    const fn = cleanup;
    cleanup = null;
    await fn();
  }
  const { pathname, searchParams } = new URL(location.href);
  for (const { regex, keys, handler, options } of routes) {
    const match = regex.exec(pathname);
    if (!match) continue;
    const params = Object.fromEntries(keys.map((key, i) => [key, decodeURIComponent(match[i + 1])]));
    if (!(await guard(options, pathname)) || mine !== generation) return;
    try {
      const shown = await handler(params, searchParams);
      if (mine === generation) painted = mine;
      else if (painted > mine) return dispatch(); // its late render covered a newer page
      return shown;
    } catch (error) {
      if (mine !== generation) return; // superseded: the error belongs to a page no one sees
      return failed(error);
    }
  }
  // No route: say so (a mistyped or stale link), rather than silently landing on the home page.
  return missing(pathname);
}

let missing = () => navigate("/", { replace: true });
/** How an address no route matches is shown. */
export function setNotFound(fn) {
  missing = fn;
}

export function start() {
  window.addEventListener("popstate", dispatch);
  // Same-origin links navigate in the app; modified clicks (new tab) keep the browser's way.
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[href]");
    if (!link || link.target || link.hasAttribute("download")) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  return dispatch();
}
