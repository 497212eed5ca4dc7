// The title page's inline trailer: its own playback session, played with the same pieces.
import { h } from "../dom.js";
import { onLeave } from "../router.js";
import { icon } from "../icons.js";
import { shakaFor } from "./engine.js";
import { metrics } from "./metrics.js";
import { keepAlive, startSession, stopSession } from "./playback.js";

/**
 * The title page's trailer, inline in `slot`: its own playback session (content id: the trailer's
 * video id), muted-able, ended when closed, when the page is left or when the tab closes.
 * @returns {Promise<() => Promise<void>>} close
 */
/** `muted`: start without sound (an autoplayed preview); `quiet`: neither scroll to it nor take
 * the focus (the viewer did not ask for it). */
export async function playTrailer(slot, item, videoId, { muted = false, quiet = false } = {}) {
  const video = h("video.trailer-video", { playsInline: true, preload: "auto", "aria-label": `Trailer: ${item.title}` });
  const mute = h("button.ctl.trailer-mute", { type: "button", "aria-label": "Mute trailer", "aria-pressed": "false" }, icon("volume"));
  const closeButton = h("button.ctl.trailer-close", { type: "button", "aria-label": "Close trailer" }, "✕");
  const stage = h("div.trailer", { dataset: { state: "loading" } }, video, h("div.trailer-controls", null, mute, closeButton));
  slot.replaceChildren(stage);
  if (!quiet) stage.scrollIntoView({ block: "nearest", behavior: "smooth" });
  let closed = false;
  let close = async () => {
    closed = true;
    slot.replaceChildren();
  };
  closeButton.addEventListener("click", () => close());
  const message = (text) => {
    stage.dataset.state = "error";
    stage.append(h("p.trailer-message", { role: "alert" }, text));
  };

  let playback;
  try {
    playback = await startSession(videoId, stage);
  } catch (error) {
    message(`The trailer can't play right now: ${error.message}`);
    return close;
  }
  if (closed) {
    await stopSession(playback, false);
    return close;
  }
  let player;
  try {
    player = await shakaFor(video, playback, null);
    metrics.trailer = player;
    player.addEventListener("error", (event) => metrics.errors.push(`trailer: ${event.detail?.code ?? event.detail}`));
  } catch (error) {
    await stopSession(playback, false);
    message(`The trailer can't play right now: ${error.message}`);
    return close;
  }
  const stop = keepAlive(playback, video, () => {});
  close = async () => {
    if (closed) return;
    closed = true;
    slot.replaceChildren();
    await stop(false);
    await player.destroy();
  };
  onLeave(close);
  const toggleMute = () => {
    video.muted = !video.muted;
    mute.replaceChildren(icon(video.muted ? "muted" : "volume"));
    mute.setAttribute("aria-label", video.muted ? "Unmute trailer" : "Mute trailer");
    mute.setAttribute("aria-pressed", String(video.muted));
  };
  mute.addEventListener("click", toggleMute);
  if (muted) toggleMute();
  stage.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
    else if (event.key === "m" && !event.target.closest("input")) toggleMute();
  });
  video.addEventListener("playing", () => (stage.dataset.state = "playing"));
  video.addEventListener("ended", () => close());
  try {
    await player.load(player.cinemeshUrl);
  } catch (error) {
    message(`The trailer can't play right now: ${error.message ?? error.code}`);
    return close;
  }
  video.play().catch(() => (stage.dataset.state = "paused"));
  if (!quiet) mute.focus();
  return close;
}
