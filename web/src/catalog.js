// Catalog reads, always for the active profile (the catalog applies its maturity limit).
import { api } from "./api.js";
import { h } from "./dom.js";
import { session } from "./session.js";

export const RATING_LABEL = { "TV-MA": "TV-MA", R: "R", "NC-17": "NC-17" };

export function browse(query = {}) {
  return api("/titles", { query: { profile_id: session.profileId, ...query } });
}

export function title(id) {
  return api(`/titles/${encodeURIComponent(id)}`, { query: { profile_id: session.profileId } });
}

export async function genres() {
  return api("/genres", { query: { profile_id: session.profileId } });
}

/** Pages through the browse listing (the catalog has no text search yet) and matches locally. */
export async function search(text, { maxPages = 10 } = {}) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const found = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const answer = await browse({ sort: "title", limit: 100, cursor });
    for (const item of answer.items) {
      const haystack = [item.title, item.description, ...(item.genres ?? []), ...(item.cast ?? []).map((c) => c.name)]
        .join(" ")
        .toLowerCase();
      if (words.every((word) => haystack.includes(word))) found.push(item);
    }
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return found;
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
