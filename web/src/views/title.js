import { formatTime, h, render, toast } from "../dom.js";
import { imageOf, row, viewableTitle } from "../catalog.js";
import { moreLike } from "../recommendations.js";
import { lastEpisode, myList, session, toggleMyList } from "../session.js";
import { resumePoint } from "../history.js";

export async function titleView({ id }) {
  const item = await viewableTitle(id);
  const saved = (await myList().catch(() => [])).some((entry) => entry.content_id === item.id);
  const image = imageOf(item); // the backdrop, else the video's poster frame
  const episodes = (item.seasons ?? []).flatMap((season) =>
    season.episodes.map((episode) => ({ ...episode, season: season.number })),
  );
  const playable = episodes.filter((e) => e.video_id);
  const current = playable.find((e) => e.id === lastEpisode(item.id)) ?? playable[0] ?? episodes[0];
  const playHref = item.type === "tv_series" ? current && watchHref(item, current) : watchHref(item);
  // More like this is not waited for: the page renders, and the row joins it when it comes.
  const similar = moreLike(item.id); // discovery down or slow: no row
  const resumeAt = await resumePoint(item.type === "tv_series" ? current?.id : item.id);
  const playLabel =
    resumeAt > 0
      ? `▶ Resume ${item.type === "tv_series" ? `E${current.number} ` : ""}from ${formatTime(resumeAt)}`
      : item.type === "tv_series" && current && current !== playable[0]
        ? `▶ Play E${current.number}`
        : "▶ Play";
  const trailerSlot = h("div.trailer-slot");
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
  const main = render(
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
              ? h("a.button.primary.play", { href: playHref, onclick: markClick }, playLabel)
              : h("span.muted", null, "Not playable yet"),
            resumeAt > 0 ? h("a.button.secondary.start-over", { href: `${playHref}${playHref.includes("?") ? "&" : "?"}from=start`, onclick: markClick }, "Start over") : null,
            listButton,
            item.trailers?.length ? trailerButton(item, trailerSlot) : null,
          ),
          item.above_profile_limit ? h("p.muted.unlocked", null, `Above ${session.profile?.name ?? "this profile"}'s limit: open because the profile is unlocked with its PIN.`) : null,
          h("p.description", null, item.description ?? ""),
          item.cast?.length ? h("p.cast", null, h("strong", null, "Cast: "), item.cast.map((c) => c.name).join(", ")) : null,
        ),
      ),
      trailerSlot,
      item.type === "tv_series" ? seasonsOf(item) : null,
    ),
  );
  const page = main.querySelector("article.title-page");
  similar.then((found) => {
    // Not if the viewer has moved on to another page meanwhile.
    if (!page.isConnected || !found?.items?.length) return;
    page.append(row("More like this", found.items, { id: "more-like-this" }));
  });
}

/** Plays the first trailer inline under the hero, with the player module (loaded on demand).
 * With the "Autoplay previews" preference (the profile's, else the account's) it starts by
 * itself, muted and without taking the focus, a moment after the page opens. */
function trailerButton(item, slot) {
  let close = null;
  const button = h("button.secondary.trailer-button", { type: "button", "aria-expanded": "false" }, "▶ Trailer");
  const closed = () => {
    close = null;
    button.setAttribute("aria-expanded", "false");
  };
  // The trailer closes itself too (its close button, Escape, its end): the slot empties.
  new MutationObserver(() => {
    if (!slot.childElementCount && close) {
      closed();
      button.focus();
    }
  }).observe(slot, { childList: true });
  const open = (options) => {
    button.setAttribute("aria-expanded", "true");
    close = import("../player/trailer.js").then(({ playTrailer }) => playTrailer(slot, item, item.trailers[0], options));
  };
  button.addEventListener("click", async () => {
    if (close) {
      const stop = close;
      closed();
      return (await stop)();
    }
    open({});
  });
  if (autoplayPreviews()) {
    setTimeout(() => {
      // Not if the viewer already started it, or left the page.
      if (!close && button.isConnected) open({ muted: true, quiet: true });
    }, PREVIEW_DELAY_MS);
  }
  return button;
}

const PREVIEW_DELAY_MS = 1200;

function autoplayPreviews() {
  return session.profile?.preferences?.autoplay_previews ?? session.me?.preferences?.autoplay_previews ?? false;
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

