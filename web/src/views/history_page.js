// The profile's history page (/history): what it has watched, paged, with Mark unwatched and
// Remove per entry; what it is in the middle of, with Mark watched and Remove; Delete all, and
// Pause history (while paused, playback leaves no history). Everything from the history service.
import { h, render, toast } from "../dom.js";
import { title as getTitle } from "../catalog.js";
import { continueWatching, deleteHistory, historyPaused, markWatched, pauseHistory, watchedPage } from "../history.js";
import { session } from "../session.js";

const titles = new Map(); // title id -> catalog document (a promise), once per page

function titleOf(titleId) {
  if (!titleId) return Promise.resolve(null);
  if (!titles.has(titleId)) titles.set(titleId, getTitle(titleId).catch(() => null));
  return titles.get(titleId);
}

/** "Title" for a movie, "Title · S1:E2 Name" for an episode (the id when catalog has no such title). */
async function nameOf(entry) {
  const doc = await titleOf(entry.title_id);
  if (!doc) return entry.content_id;
  for (const season of doc.seasons ?? []) {
    const episode = (season.episodes ?? []).find((e) => e.id === entry.content_id);
    if (episode) return `${doc.title} · S${season.number}:E${episode.number}${episode.name ? ` ${episode.name}` : ""}`;
  }
  return doc.title;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

async function entryRow(entry, { onChange }) {
  const name = await nameOf(entry);
  const li = h("li.list-item.history-entry", { dataset: { contentId: entry.content_id } });
  const act = (label, run, done) =>
    h("button.link", {
      type: "button",
      "aria-label": `${label}: ${name}`,
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        try {
          await run();
          toast(done);
          await onChange();
        } catch (error) {
          toast(error.message, "error");
        }
      },
    }, label);
  const detail = entry.completed
    ? `Watched ${when(entry.watched_at)}${entry.times_watched > 1 ? ` · ${entry.times_watched} times` : ""}`
    : `${Math.round(entry.progress_percent ?? 0)} % · ${when(entry.updated_at)}`;
  li.append(
    h("span.history-name", null, entry.title_id ? h("a", { href: `/title/${entry.title_id}` }, name) : name),
    h("span.muted", null, detail),
    entry.completed
      ? act("Mark unwatched", () => markWatched(entry.content_id, false), "Marked unwatched")
      : act("Mark watched", () => markWatched(entry.content_id, true), "Marked watched"),
    act("Remove", () => deleteHistory(entry.content_id), "Removed from history"),
  );
  return li;
}

export async function historyView() {
  const inProgress = h("ul.list#history-in-progress", { role: "list" });
  const watched = h("ul.list#history-watched", { role: "list" });
  const more = h("button.secondary#history-more", { type: "button", hidden: true }, "Show more");
  const empty = h("p.muted#history-empty", { hidden: true }, "Nothing watched yet.");
  const pause = h("input#history-paused", { type: "checkbox" });
  let cursor = null;

  const loadWatched = async ({ reset }) => {
    if (reset) cursor = null;
    const page = await watchedPage(cursor);
    const rows = await Promise.all(page.items.map((entry) => entryRow(entry, { onChange: reload })));
    if (reset) watched.replaceChildren(...rows);
    else watched.append(...rows);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    empty.hidden = watched.children.length > 0;
  };
  const loadInProgress = async () => {
    const items = await continueWatching();
    inProgress.replaceChildren(...(await Promise.all(items.map((entry) => entryRow(entry, { onChange: reload })))));
    inProgress.closest("section").hidden = items.length === 0;
  };
  async function reload() {
    await Promise.all([loadInProgress(), loadWatched({ reset: true })]);
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      await loadWatched({ reset: false });
    } finally {
      more.disabled = false;
    }
  });
  pause.addEventListener("change", async () => {
    const paused = pause.checked;
    try {
      await pauseHistory(paused);
      toast(paused ? "History paused: what you play now is not kept" : "History on again");
    } catch (error) {
      pause.checked = !paused;
      toast(error.message, "error");
    }
  });
  const deleteAll = h("button.danger#history-delete-all", {
    type: "button",
    onclick: async () => {
      if (!window.confirm("Delete all of this profile's viewing history? Resume points go too.")) return;
      try {
        await deleteHistory(null);
        toast("History deleted");
        await reload();
      } catch (error) {
        toast(error.message, "error");
      }
    },
  }, "Delete all history");

  pause.checked = await historyPaused();
  render(
    h(
      "section.history-page",
      null,
      h("h1", null, `Viewing history · ${session.profile?.name ?? ""}`),
      h("div.actions", null, h("label", { for: "history-paused" }, pause, " Pause history"), deleteAll),
      h("section", { "aria-labelledby": "history-progress-heading" }, h("h2#history-progress-heading", null, "In progress"), inProgress),
      h("section", { "aria-labelledby": "history-watched-heading" }, h("h2#history-watched-heading", null, "Watched"), empty, watched, more),
    ),
  );
  await reload();
}
