// Browse: every title this profile may watch as a grid, narrowed by genre, type and year, newest
// first or A-Z (with a letter index that starts the list at a letter), page after page on the catalog's keyset cursor ("Show more"). The catalog applies
// region, window and the profile's maturity limit; the filters are the browse API's own.
import { h, render } from "../dom.js";
import { browse, card, genres, isAbort, latestOnly } from "../catalog.js";
import { onLeave } from "../router.js";

const TYPES = [["", "All types"], ["movie", "Movies"], ["tv_series", "Series"], ["documentary", "Documentaries"], ["special", "Specials"]];
const SORTS = [["newest", "Newest"], ["title", "A-Z"]];
const PAGE = 48;

export async function browseView(_, query) {
  const genreCounts = await genres().catch(() => []);
  const select = (id, label, options, value) => {
    const control = h(`select#${id}`, { name: id.replace("browse-", "") }, options.map(([v, text]) => h("option", { value: v }, text)));
    control.value = options.some(([v]) => v === value) ? value : options[0][0];
    return [h("div.field", null, h("label", { htmlFor: id }, label), control), control];
  };
  const genreOptions = [["", "All genres"], ...genreCounts.filter((g) => g.titles > 0).map((g) => [g.genre, `${titleCase(g.genre)} (${g.titles})`])];
  const [genreField, genre] = select("browse-genre", "Genre", genreOptions, query.get("genre") ?? "");
  const [typeField, type] = select("browse-type", "Type", TYPES, query.get("type") ?? "");
  const [sortField, sort] = select("browse-sort", "Sort", SORTS, query.get("sort") ?? "newest");
  const year = h("input#browse-year", { type: "number", name: "year", min: 1878, max: 2100, placeholder: "Any", value: query.get("year") ?? "" });
  // The A-Z index: a letter shows the title-sorted list from that letter on (`from_title`).
  let letter = /^[A-Z]$/.test(query.get("from") ?? "") ? query.get("from") : "";
  const letters = h(
    "nav.letters",
    { "aria-label": "A to Z" },
    [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"].map((l) =>
      h("button.letter", { type: "button", "aria-pressed": String(l === letter), onclick: () => jump(l) }, l),
    ),
  );
  const jump = (l) => {
    letter = l;
    sort.value = "title";
    for (const button of letters.querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.textContent === l));
    load({}, { now: true });
  };
  const status = h("p.muted", { role: "status" });
  const grid = h("ul.grid.browse-grid", { role: "list", "aria-label": "Titles" });
  const more = h("button.secondary.load-more", { type: "button", hidden: true }, "Show more");
  render(
    h("h1", null, "Browse"),
    h(
      "form.browse-filters.grid-form",
      { role: "search", "aria-label": "Filter titles", onsubmit: (event) => event.preventDefault() },
      genreField,
      typeField,
      h("div.field", null, h("label", { htmlFor: "browse-year" }, "Year"), year),
      sortField,
    ),
    letters,
    status,
    grid,
    h("p", null, more),
  );

  let cursor = null;
  let shown = 0;
  let filters = {};
  const load = latestOnly(async ({ append = false } = {}, signal) => {
    if (!append) {
      const chosenYear = /^\d{4}$/.test(year.value) ? year.value : "";
      if (sort.value !== "title") letter = ""; // the index is of the A-Z order
      filters = { genre: genre.value, type: type.value, year: chosenYear, sort: sort.value, from: letter };
      cursor = null;
      shown = 0;
      // The address keeps the filters: reload, Back and a shared link show the same grid.
      const params = new URLSearchParams(Object.entries(filters).filter(([key, v]) => v && !(key === "sort" && v === "newest")));
      history.replaceState(null, "", `/browse${params.size ? `?${params}` : ""}`);
    }
    status.textContent = "Loading…";
    let page;
    try {
      const { from, ...rest } = filters;
      // The letter starts the first page; the cursor carries on from there.
      page = await browse({ ...rest, from_title: cursor ? null : from || null, limit: PAGE, cursor, signal });
    } catch (error) {
      if (isAbort(error, signal)) return;
      status.textContent = error.message;
      return;
    }
    if (signal.aborted) return; // newer filters own the grid now
    if (!append) grid.replaceChildren();
    grid.append(...page.items.map((item) => h("li", null, card(item))));
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    const count = `${shown} title${shown === 1 ? "" : "s"}`;
    status.textContent = shown ? (cursor ? `${count} so far` : count) : "No titles match these filters.";
  });
  onLeave(() => load.cancel());
  for (const control of [genre, type, sort]) control.addEventListener("change", () => load({}, { now: true }));
  sort.addEventListener("change", () => {
    if (sort.value !== "title") for (const button of letters.querySelectorAll("button")) button.setAttribute("aria-pressed", "false");
  });
  year.addEventListener("input", () => load({}));
  more.addEventListener("click", () => load({ append: true }, { now: true }));
  await load({}, { now: true });
}

function titleCase(text) {
  return text.replace(/(^|[\s-])\w/g, (c) => c.toUpperCase());
}
