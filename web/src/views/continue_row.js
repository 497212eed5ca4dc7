// The home page's Continue watching row: the profile's resume points from the history service,
// a progress bar each, Resume and Remove from row; kept live by the profile's history stream.
import { h } from "../dom.js";
import { card, title as getTitle } from "../catalog.js";
import { continueWatching, followHistory, removeFromRow } from "../history.js";
import { onLeave } from "../router.js";

const titles = new Map(); // title id -> catalog document (a promise), fetched once per page

function titleOf(titleId) {
  if (!titles.has(titleId)) titles.set(titleId, getTitle(titleId).catch(() => null));
  return titles.get(titleId);
}

/** @returns {Promise<HTMLElement>} the row's section (hidden while empty) */
export async function continueRow() {
  const list = h("ul.row-items", { role: "list" });
  const section = h(
    "section.row.continue-row",
    { "aria-labelledby": "row-continue", hidden: true },
    h("h2", { id: "row-continue" }, "Continue watching"),
    list,
  );
  let items = [];
  const show = async () => {
    const shown = items.filter((item) => item.position_seconds > 0 && !item.hidden && !item.completed);
    const cards = await Promise.all(shown.map(entryCard));
    list.replaceChildren(...cards.filter(Boolean));
    section.hidden = list.children.length === 0;
  };
  const upsert = (item) => {
    // One entry per series: a newer episode replaces the older one in place at the front.
    items = [item, ...items.filter((i) => i.content_id !== item.content_id && (i.title_id ?? i.content_id) !== (item.title_id ?? item.content_id))];
    return show();
  };
  items = await continueWatching().catch(() => []);
  await show();
  const close = followHistory({
    onSnapshot: (fresh) => ((items = fresh), show()),
    onProgress: upsert,
  });
  onLeave(close);
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button.remove-from-row");
    if (!button) return;
    event.preventDefault();
    await removeFromRow(button.dataset.contentId).catch(() => {});
    items = items.filter((i) => i.content_id !== button.dataset.contentId);
    await show();
  });
  return section;
}

async function entryCard(entry) {
  const item = entry.title_id ? await titleOf(entry.title_id) : null;
  if (!item) return null;
  const episode = item.id !== entry.content_id;
  const href = episode ? `/watch/${entry.content_id}?title=${item.id}` : `/watch/${entry.content_id}`;
  const percent = Math.round(entry.progress_percent ?? 0);
  const li = h(
    "li",
    { dataset: { contentId: entry.content_id, position: String(Math.floor(entry.position_seconds)) } },
    card(item),
    h("progress", { max: 100, value: percent, "aria-label": `${percent} % watched` }),
    h(
      "div.continue-actions",
      null,
      h("a.button.primary.resume", { href }, "▶ Resume"),
      h("button.secondary.remove-from-row", { type: "button", dataset: { contentId: entry.content_id } }, "Remove from row"),
    ),
  );
  return li;
}
