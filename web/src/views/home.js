import { h, render } from "../dom.js";
import { browse, card, genres, row, search, title as getTitle } from "../catalog.js";
import { deviceId, myList, session } from "../session.js";

export async function homeView() {
  // Register this browser as a device early: playback needs delivery to know it.
  deviceId().catch(() => {});
  const main = render(h("h1.visually-hidden", null, "Home"), h("div.rows", { "aria-busy": "true" }, skeleton()));
  const [latest, genreCounts, list] = await Promise.all([
    browse({ sort: "newest", limit: 20 }),
    genres().catch(() => []),
    myList({ fresh: true }).catch(() => []),
  ]);
  // Browse items are summaries; the featured title shows its description from the detail.
  const featured = latest.items[0] && (await getTitle(latest.items[0].id).catch(() => latest.items[0]));
  const hero = featured ? heroOf(featured) : null;
  const saved = (
    await Promise.all(list.slice(0, 20).map((item) => getTitle(item.content_id).catch(() => null)))
  ).filter(Boolean);
  const topGenres = genreCounts
    .filter((g) => g.titles > 0)
    .sort((a, b) => b.titles - a.titles)
    .slice(0, 6);
  const genreRows = await Promise.all(
    topGenres.map(async ({ genre }) =>
      row(titleCase(genre), (await browse({ genre, limit: 20 })).items, { id: `genre-${genre}` }),
    ),
  );
  const rows = [
    row("New releases", latest.items, { id: "new" }),
    row("My list", saved, { id: "my-list" }),
    ...genreRows,
  ].filter(Boolean);
  const container = main.querySelector(".rows");
  container.removeAttribute("aria-busy");
  container.replaceChildren(
    ...(hero ? [hero] : []),
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

function heroOf(item) {
  const image = item.images?.backdrop?.url;
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
      h("a.button.primary", { href: `/title/${item.id}` }, "More info"),
    ),
  );
  return hero;
}

function skeleton() {
  return h("div.skeleton-row", { "aria-hidden": "true" }, Array.from({ length: 6 }, () => h("div.skeleton-card")));
}

function titleCase(text) {
  return text.replace(/(^|[\s-])\w/g, (c) => c.toUpperCase());
}

export async function searchView(_, query) {
  const text = (query.get("q") ?? "").trim();
  const main = render(h("h1", null, text ? `Results for “${text}”` : "Search"), h("p.muted", { role: "status" }, "Searching…"));
  if (!text) {
    main.querySelector("p").textContent = "Type in the search box above.";
    return;
  }
  const found = await search(text);
  main.querySelector("p").textContent = `${found.length} title${found.length === 1 ? "" : "s"}`;
  main.append(h("ul.grid", { role: "list", "aria-label": "Search results" }, found.map((item) => h("li", null, card(item)))));
}

