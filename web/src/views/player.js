// The player page: a delivery playback session played by Shaka Player (HLS or DASH, adaptive
// bitrate, ClearKey DRM for DASH, AES-128 for HLS) with our own controls. Its pieces live in
// ../player/ and never import a view back; the title page's trailer is ../player/trailer.js.
import { h, render } from "../dom.js";
import { viewableTitle } from "../catalog.js";
import { navigate, onLeave } from "../router.js";
import { forgetPosition, rememberEpisode, rememberPosition } from "../session.js";
import { resumePoint } from "../history.js";
import { buildControls } from "../player/controls.js";
import { shakaFor } from "../player/engine.js";
import { metrics } from "../player/metrics.js";
import { trackQoe } from "../player/beacons.js";
import { keepAlive, startSession, stopSession } from "../player/playback.js";
import { liftCaptions } from "../player/tracks.js";
import { upNext } from "../player/up_next.js";
import { refusalPanel } from "./refusal.js";

export async function playerView({ id }, query) {
  const titleId = query.get("title") ?? id;
  const item = await viewableTitle(titleId);
  const episodes = (item.seasons ?? []).flatMap((s) => s.episodes.map((e) => ({ ...e, season: s.number })));
  const episode = episodes.find((e) => e.id === id) ?? null;
  const next = episode ? episodes.slice(episodes.indexOf(episode) + 1).find((e) => e.video_id) : null;
  const heading = episode ? `${item.title} · S${episode.season}:E${episode.number} ${episode.name}` : item.title;
  if (episode) rememberEpisode(item.id, episode.id);

  const video = h("video.video", { playsInline: true, preload: "auto", "aria-label": heading });
  liftCaptions(video);
  const stage = h("div.player", { dataset: { state: "loading", contentId: id } }, video);
  render(h("h1.visually-hidden", null, heading), stage);

  let playback;
  try {
    playback = await startSession(id, stage);
  } catch (error) {
    stage.dataset.state = "error";
    stage.append(refusalPanel(error, item, () => navigate(location.pathname + location.search, { replace: true })));
    return;
  }
  metrics.session = playback;

  let player;
  try {
    player = await shakaFor(video, playback, query.get("format"));
  } catch (error) {
    await stopSession(playback, false);
    stage.dataset.state = "error";
    stage.append(errorPanel(error, item));
    return;
  }
  metrics.player = player;
  const qoe = trackQoe(player, video, { sid: playback.session_id, cid: id, tid: item.id });
  player.addEventListener("error", (event) => showError(stage, item, event.detail));
  player.addEventListener("adaptation", () => (metrics.switches += 1));

  const stop = keepAlive(playback, video, () => rememberPosition(id, video.currentTime, video.duration));
  onLeave(async () => {
    qoe.exit(false);
    await stop(false);
    await player.destroy();
  });

  const clicked = Number(sessionStorage.getItem("cinemesh.playClickedAt")) || performance.timeOrigin + performance.now();
  sessionStorage.removeItem("cinemesh.playClickedAt");
  qoe.requested(clicked);
  const firstFrame = () => {
    metrics.startupMs = Math.round(performance.timeOrigin + performance.now() - clicked);
    stage.dataset.state = "playing";
  };
  if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback(firstFrame);
  else video.addEventListener("playing", firstFrame, { once: true });

  // Resume where this profile stopped, unless asked to start over (?from=start).
  const resume = query.get("from") === "start" ? 0 : await resumePoint(id);
  try {
    await player.load(player.cinemeshUrl, resume > 0 ? resume : null);
  } catch (error) {
    qoe.failed(error);
    showError(stage, item, error);
    return;
  }
  metrics.resumedAt = resume > 0 ? resume : null;
  stage.dataset.format = player.cinemeshFormat;
  const controls = buildControls({ stage, video, player, item, heading, playback, contentId: id, resumed: resume > 0 });
  stage.append(controls);
  video.addEventListener("ended", () => {
    forgetPosition(id);
    if (next) upNext(stage, item, next);
  });
  video.play().catch(() => (stage.dataset.state = "paused"));
}

function errorPanel(error, item) {
  return h(
    "div.player-panel",
    { role: "alert" },
    h("h2", null, "This title can't play right now"),
    h("p", null, error?.message ?? String(error)),
    h("a.button.primary", { href: `/title/${item.id}` }, "Back"),
  );
}

function showError(stage, item, error) {
  const message = error?.message || (error?.code ? `Player error ${error.code}` : String(error));
  metrics.errors.push(message);
  if (stage.dataset.state === "playing") return; // recoverable errors while playing: shaka retries
  stage.dataset.state = "error";
  stage.append(errorPanel(new Error(message), item));
}
