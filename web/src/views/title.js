import { h, render, toast } from "../dom.js";
import { title as getTitle } from "../catalog.js";
import { myList, toggleMyList } from "../session.js";

export async function titleView({ id }) {
  const item = await getTitle(id);
  const saved = (await myList().catch(() => [])).some((entry) => entry.content_id === item.id);
  const image = item.images?.backdrop?.url;
  const episodes = (item.seasons ?? []).flatMap((season) =>
    season.episodes.map((episode) => ({ ...episode, season: season.number })),
  );
  const first = episodes.find((e) => e.video_id) ?? episodes[0];
  const playHref = item.type === "tv_series" ? first && watchHref(item, first) : watchHref(item);
  const listButton = h(
    "button.secondary",
    {
      type: "button",
      "aria-pressed": String(saved),
      onclick: async () => {
        const now = await toggleMyList(item);
        listButton.setAttribute("aria-pressed", String(now));
        listButton.textContent = now ? "✓ In my list" : "+ My list";
        toast(now ? "Added to my list" : "Removed from my list");
      },
    },
    saved ? "✓ In my list" : "+ My list",
  );
  const facts = [
    item.release_year,
    item.maturity_rating && h("span.rating", { title: "Maturity rating" }, item.maturity_rating),
    item.runtime_minutes && item.type !== "tv_series" && `${item.runtime_minutes} min`,
    item.type === "tv_series" && `${item.seasons.length} season${item.seasons.length === 1 ? "" : "s"}`,
  ].filter(Boolean);
  render(
    h(
      "article.title-page",
      { dataset: { titleId: item.id } },
      h(
        image ? "div.title-hero" : "div.title-hero.plain",
        null,
        image ? h("img.title-art", { src: image, alt: "" }) : null,
        h(
          "div.title-text",
          null,
          h("h1", null, item.title),
          h("p.facts", null, facts.map((fact) => h("span", null, fact))),
          h("p.genres", null, (item.genres ?? []).join(" · ")),
          h(
            "div.actions",
            null,
            playHref
              ? h("a.button.primary.play", { href: playHref, onclick: markClick }, "▶ Play")
              : h("span.muted", null, "Not playable yet"),
            listButton,
            item.trailers?.length ? h("span.muted", null, "Trailer available") : null,
          ),
          h("p.description", null, item.description ?? ""),
          item.cast?.length ? h("p.cast", null, h("strong", null, "Cast: "), item.cast.map((c) => c.name).join(", ")) : null,
        ),
      ),
      item.type === "tv_series" ? seasonsOf(item) : null,
    ),
  );
}

export function watchHref(item, episode) {
  return episode ? `/watch/${episode.id}?title=${item.id}` : `/watch/${item.id}`;
}

/** Startup time is measured from this click to the first rendered frame (see player.js). */
function markClick() {
  sessionStorage.setItem("cinemesh.playClickedAt", String(performance.timeOrigin + performance.now()));
}

function seasonsOf(item) {
  return h(
    "section.seasons",
    { "aria-labelledby": "episodes-heading" },
    h("h2#episodes-heading", null, "Episodes"),
    item.seasons.map((season) =>
      h(
        "div.season",
        null,
        h("h3", null, season.name ?? `Season ${season.number}`),
        h(
          "ol.episodes",
          null,
          season.episodes.map((episode) =>
            h(
              "li",
              null,
              h(
                "a.episode",
                { href: watchHref(item, episode), onclick: markClick, dataset: { episodeId: episode.id } },
                h("span.episode-number", null, String(episode.number)),
                h(
                  "span.episode-text",
                  null,
                  h("span.episode-name", null, episode.name),
                  episode.synopsis ? h("span.muted", null, episode.synopsis) : null,
                ),
                episode.runtime_minutes ? h("span.muted", null, `${episode.runtime_minutes} min`) : null,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

