import { api } from "../api.js";
import { h, render } from "../dom.js";
import { card, imageOf, isAbort, latestOnly, row, search, title as getTitle } from "../catalog.js";
import { onLeave } from "../router.js";
import { deviceId, myList, session } from "../session.js";
import { homeRows } from "../recommendations.js";
import { continueRow } from "./continue_row.js";
import { watchHref } from "./title.js";

export async function homeView() {
  // Register this browser as a device early: playback needs delivery to know it.
  deviceId().catch(() => {});
  const main = render(h("h1.visually-hidden", null, "Home"), h("div.rows", { "aria-busy": "true" }, skeleton()));
  // One call for the catalog's rows (and recommendations, when discovery serves them): the
  // gateway composes them, leaving out (and naming in `missing`) a section that is late.
  const [home, list, resumeRow, discovered] = await Promise.all([
    api("/home", { query: { profile_id: session.profileId } }),
    myList({ fresh: true }).catch(() => []),
    continueRow().catch(() => null), // history down: the page does without the row
    homeRows(), // discovery down: null, and its rows are left out
  ]);
  const sections = new Map(home.sections.map((section) => [section.id, section]));
  const latest = sections.get("new")?.items ?? [];
  // Browse items are summaries; the featured title shows its description from the detail.
  const featured = latest[0] && (await getTitle(latest[0].id).catch(() => latest[0]));
  const hero = featured ? heroOf(featured) : null;
  const saved = (
    await Promise.all(list.slice(0, 20).map((item) => getTitle(item.content_id).catch(() => null)))
  ).filter(Boolean);
  const genreRows = home.sections
    .filter((section) => section.id.startsWith("genre-"))
    .map((section) => row(section.title, section.items, { id: section.id }));
  // Discovery's rows (Top picks, Because you watched, Trending) above the genre rows; New
  // releases stays the catalog's row. Without discovery, the gateway's one recommendations row.
  const forYou = sections.get("recommendations");
  const personal = (discovered ?? [])
    .filter((found) => found.id !== "new-releases")
    .map((found) => withReason(row(found.title, found.items, { id: found.id }), found.reason));
  const rows = [
    ...personal,
    !discovered && forYou ? row(forYou.title, forYou.items, { id: "recommendations" }) : null,
    row("New releases", latest, { id: "new" }),
    row("My list", saved, { id: "my-list" }),
    ...genreRows,
  ].filter(Boolean);
  const container = main.querySelector(".rows");
  container.removeAttribute("aria-busy");
  container.replaceChildren(
    ...(hero ? [hero] : []),
    ...(resumeRow ? [resumeRow] : []),
    ...(rows.length
      ? rows
      : [
          h(
            "div.empty",
            null,
            h("h2", null, "Nothing to watch yet"),
            h(
              "p",
              null,
              session.isEditor
                ? "Upload a video from the admin page, or wait a minute while the demo catalog is prepared."
                : "The catalog is being prepared. Check back in a minute.",
            ),
          ),
        ]),
  );
}

/** A discovery row says in one line why it is there ("Picked from what you watched"). */
function withReason(section, reason) {
  if (section && reason) section.querySelector("h2").after(h("p.row-reason.muted", null, reason));
  return section;
}

function heroOf(item) {
  const image = imageOf(item); // the backdrop, else the video's poster frame

  const hero = h(
    image ? "section.hero" : "section.hero.plain",
    { "aria-label": "Featured" },
    image ? h("img.hero-art", { src: image, alt: "" }) : null,
    h(
      "div.hero-text",
      null,
      h("p.eyebrow", null, "New on cinemesh"),
      h("h2.hero-title", null, item.title),
      h("p.hero-desc", null, item.description ?? ""),
      h(
        "div.actions",
        null,
        playHref(item) ? h("a.button.primary.hero-play", { href: playHref(item) }, "▶ Play") : null,
        h("a.button.secondary", { href: `/title/${item.id}` }, "More info"),
      ),
    ),
  );
  return hero;
}

/** The featured title plays from the home page: a film itself, a series its first episode. */
function playHref(item) {
  if (item.type !== "tv_series") return watchHref(item);
  const first = item.seasons?.flatMap((season) => season.episodes ?? [])[0];
  return first ? watchHref(item, first) : null;
}

function skeleton() {
  return h("div.skeleton-row", { "aria-hidden": "true" }, Array.from({ length: 6 }, () => h("div.skeleton-card")));
}

/**
 * Search results from the discovery service. On this page the top bar's search box searches as
 * you type (debounced; a newer keystroke abandons the older request); Enter still submits the
 * form as everywhere else. The URL follows the text, so reload and Back work. Matched words are
 * marked in the titles; facet filters narrow the results; people who match are listed and a
 * "did you mean" is offered when nothing matches.
 */
export async function searchView(_, query) {
  const heading = h("h1");
  const status = h("p.muted", { role: "status" });
  const suggestion = h("p.did-you-mean", { hidden: true });
  const people = h("p.people-results", { hidden: true });
  const facets = h("form.facets", { "aria-label": "Filter results", onsubmit: (event) => event.preventDefault() });
  const results = h("ul.grid", { role: "list", "aria-label": "Search results" });
  const more = h("button.secondary.load-more", { type: "button", hidden: true }, "Show more");
  render(heading, status, suggestion, people, facets, results, h("p", null, more));
  let text = "";
  let shown = 0;
  let cursor = null;
  const filters = {};
  const box = document.querySelector("#topbar input[type=search]");

  const searchFor = (value) => {
    if (box) box.value = value;
    history.replaceState(null, "", `/search?q=${encodeURIComponent(value)}`);
    show({ value }, { now: true });
  };

  const show = latestOnly(async ({ value, append = false }, signal) => {
    if (!append) {
      text = value ?? text;
      heading.textContent = text ? `Results for “${text}”` : "Search";
      results.replaceChildren();
      shown = 0;
      cursor = null;
      more.hidden = true;
    }
    if (!text) {
      status.textContent = "Type in the search box above.";
      return;
    }
    status.textContent = "Searching…";
    let page;
    try {
      page = await search(text, { cursor, filters, signal });
    } catch (error) {
      if (isAbort(error, signal)) return;
      status.textContent = error.status === 422 ? "Type a word to search: letters or digits." : error.message;
      return;
    }
    if (signal.aborted) return; // a newer search owns the page now
    results.append(...page.items.map((item) => h("li", null, marked(card(item), item.highlights))));
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    const count = `${shown} title${shown === 1 ? "" : "s"}`;
    status.textContent = cursor ? `${count} of ${page.total}` : count;
    if (append) return;
    suggestion.hidden = !page.did_you_mean;
    suggestion.replaceChildren(
      ...(page.did_you_mean ? ["Did you mean ", h("a", { href: "#", onclick: (event) => { event.preventDefault(); searchFor(page.did_you_mean); } }, page.did_you_mean), "?"] : []),
    );
    people.hidden = !page.people.length;
    people.replaceChildren(
      ...(page.people.length ? ["People: "] : []),
      ...page.people.flatMap((person, index) => [
        index ? ", " : "",
        h("a", { href: "#", onclick: (event) => { event.preventDefault(); searchFor(person.name); } }, person.name),
        ` (${person.titles})`,
      ]),
    );
    facets.replaceChildren(...facetFilters(page.facets, filters, () => show({}, { now: true })));
  });
  onLeave(() => show.cancel());

  box?.addEventListener("input", () => {
    const value = box.value.trim();
    // The address follows the text, so reload and Back show the same results.
    history.replaceState(null, "", `/search?q=${encodeURIComponent(value)}`);
    show({ value });
  });
  more.addEventListener("click", () => show({ append: true }, { now: true }));
  await show({ value: (query.get("q") ?? "").trim() }, { now: true });
}

const FACET_FILTERS = [
  ["type", "type", "Type"],
  ["genre", "genre", "Genre"],
  ["rating", "rating", "Rating"],
  ["audio", "audio", "Audio"],
  ["subtitles", "subtitles", "Subtitles"],
];

/** A select per facet (value and count); choosing one sets the filter and searches again. */
function facetFilters(counts, filters, changed) {
  return FACET_FILTERS.filter(([facet]) => Object.keys(counts?.[facet] ?? {}).length).map(([facet, param, label]) => {
    const select = h(
      "select",
      { name: param, "aria-label": label },
      h("option", { value: "" }, `${label}: any`),
      ...Object.entries(counts[facet]).map(([value, count]) => h("option", { value, selected: filters[param] === value }, `${value} (${count})`)),
    );
    select.addEventListener("change", () => {
      if (select.value) filters[param] = select.value;
      else delete filters[param];
      changed();
    });
    return h("label.facet", null, select);
  });
}

/** The card with the title's matched words in <mark> (ranges from the hit's highlights). */
function marked(element, highlights) {
  const title = highlights?.title;
  const target = element.querySelector(".card-title");
  if (!title || !target) return element;
  const parts = [];
  let at = 0;
  for (const [start, end] of title.ranges) {
    parts.push(title.text.slice(at, start), h("mark", null, title.text.slice(start, end)));
    at = end;
  }
  parts.push(title.text.slice(at));
  target.replaceChildren(...parts);
  return element;
}
