// Catalog reads, always for the active profile (the catalog applies its maturity limit).
import { api } from "./api.js";
import { h } from "./dom.js";
import { session } from "./session.js";

export const RATING_LABEL = { "TV-MA": "TV-MA", R: "R", "NC-17": "NC-17" };

export function browse({ signal, ...query } = {}) {
  return api("/titles", { query: { profile_id: session.profileId, ...query }, signal });
}

export function title(id) {
  return api(`/titles/${encodeURIComponent(id)}`, { query: { profile_id: session.profileId } });
}

/**
 * The title as this profile may see it. The catalog hides titles above the profile's limit; a
 * PIN-locked profile unlocked with its PIN may go above it (delivery checks the unlock token when
 * playing), so then the title is read without the profile: the account's view, region rules kept.
 */
export async function viewableTitle(id) {
  try {
    return await title(id);
  } catch (error) {
    if (error.status !== 404 || !session.unlockToken) throw error;
    return { ...(await api(`/titles/${encodeURIComponent(id)}`)), above_profile_limit: true };
  }
}

export async function genres() {
  return api("/genres", { query: { profile_id: session.profileId } });
}

/**
 * Search in the discovery service (`GET /search`): typo-tolerant, prefix on the last word,
 * substrings, people, with facets and the same region, window and profile rules as browse.
 * Returns one page as {items, facets, people, did_you_mean, next_cursor}; `filters` are the
 * facet filters (type, genre, year_from, year_to, rating, audio, subtitles); `signal` lets a
 * newer keystroke abandon this request.
 */
export async function search(text, { cursor = null, limit = 48, filters = {}, signal } = {}) {
  const page = await api("/search", { query: { profile_id: session.profileId, q: text, limit, cursor, ...filters }, signal });
  return { ...page, items: page.hits.map((hit) => ({ ...hit, id: hit.title_id })) };
}

/** The editors' listing (`GET /admin/titles`): any status, from the write model; providers get their own. */
export function editorTitles({ status = "", q = "", sort = "newest", cursor = null, limit = 50, signal } = {}) {
  return api("/admin/titles", { query: { status: status || null, q: q || null, sort, cursor, limit }, signal });
}

/**
 * For a box that searches as you type: `start(value)` runs `run(value, signal)` `wait` ms after
 * the last keystroke, and every call aborts the request before it, so only the latest answer is
 * ever shown. `start(value, {now: true})` runs at once (a first load, a "Show more").
 */
export function latestOnly(run, wait = 250) {
  let timer = 0;
  let controller = null;
  const start = (value, { now = false } = {}) => {
    clearTimeout(timer);
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    if (now) return run(value, signal);
    timer = setTimeout(() => run(value, signal), wait);
    return undefined;
  };
  start.cancel = () => {
    clearTimeout(timer);
    controller?.abort();
  };
  return start;
}

/** True when an error only means a newer request took over (not worth showing). */
export function isAbort(error, signal) {
  return error?.name === "AbortError" || Boolean(signal?.aborted);
}

export function imageOf(item) {
  const images = item.images ?? {};
  return (images.backdrop ?? images.thumbnail ?? images.poster)?.url ?? null;
}

/** A focusable card linking to the title page. */
export function card(item) {
  const image = imageOf(item);
  return h(
    "a.card",
    { href: `/title/${item.id}`, dataset: { titleId: item.id, rating: item.maturity_rating ?? "" } },
    h(
      "div.card-art",
      null,
      image ? h("img", { src: image, alt: "", loading: "lazy", decoding: "async" }) : h("span.card-fallback", null, initials(item.title)),
    ),
    h(
      "div.card-meta",
      null,
      h("span.card-title", null, item.title),
      h("span.card-sub", null, [item.release_year, item.maturity_rating].filter(Boolean).join(" · ")),
    ),
  );
}

function initials(text) {
  return text
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => word[0])
    .join("")
    .toUpperCase();
}

/**
 * A horizontal row of cards; arrow keys move between cards (roving focus, one tab stop per row).
 */
export function row(heading, items, { id } = {}) {
  if (!items.length) return null;
  const list = h(
    "ul.row-items",
    { role: "list" },
    items.map((item) => h("li", null, card(item))),
  );
  list.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const cards = [...list.querySelectorAll("a.card")];
    const index = cards.indexOf(document.activeElement);
    if (index < 0) return;
    event.preventDefault();
    const next =
      event.key === "Home" ? 0 : event.key === "End" ? cards.length - 1 : index + (event.key === "ArrowRight" ? 1 : -1);
    cards[Math.max(0, Math.min(cards.length - 1, next))].focus();
  });
  const headingId = `row-${id ?? heading.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h("section.row", { "aria-labelledby": headingId }, h("h2", { id: headingId }, heading), list);
}
