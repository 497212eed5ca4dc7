// The player's own keyboard-accessible controls over the video and the Shaka player.
import { formatTime, h } from "../dom.js";
import { icon } from "../icons.js";
import { rememberPosition } from "../session.js";
import { thumbnails } from "./thumbnails.js";
import { audioItems, menu, qualityItems, subtitleItems } from "./tracks.js";

export function buildControls({ stage, video, player, item, heading, playback, contentId, resumed }) {
  const playButton = h("button.ctl.play-pause", { type: "button", "aria-label": "Play" }, icon("play"));
  const time = h("span.time", { "aria-live": "off" }, "0:00 / 0:00");
  const seek = h("input.seek", { type: "range", min: 0, max: 0, step: 0.1, value: 0, "aria-label": "Seek" });
  const preview = h("div.seek-preview", { hidden: true }, h("div.seek-thumb"), h("span.seek-time"));
  const mute = h("button.ctl", { type: "button", "aria-label": "Mute" }, icon("volume"));
  const volume = h("input.volume", { type: "range", min: 0, max: 1, step: 0.05, value: 1, "aria-label": "Volume" });
  const changed = () => refreshMenus(); // manual choices fire no adaptation event
  const quality = menu("Quality", "quality", changed);
  const audio = menu("Audio", "audio", changed);
  const subtitles = menu("Subtitles", "subtitles", changed);
  const full = h("button.ctl", { type: "button", "aria-label": "Full screen" }, icon("fullscreen"));
  const back = h("a.ctl.back", { href: `/title/${item.id}`, "aria-label": "Back to title" }, icon("back"));
  const startOver = resumed
    ? h("button.ctl.start-over", { type: "button", title: `Resumed at ${formatTime(video.currentTime)}` }, "Start over")
    : null;
  startOver?.addEventListener("click", () => {
    video.currentTime = 0;
    startOver.remove();
    stage.focus();
  });

  const bar = h(
    "div.controls",
    { role: "group", "aria-label": "Player controls" },
    h("div.top", null, back, h("span.player-title", null, heading), startOver),
    h(
      "div.dock",
      null,
      h("div.seek-wrap", null, seek, preview),
      h("div.bottom", null, playButton, mute, volume, time, h("span.spacer"), quality.el, audio.el, subtitles.el, full),
    ),
  );

  const sync = () => {
    const paused = video.paused;
    playButton.replaceChildren(icon(paused ? "play" : "pause"));
    playButton.setAttribute("aria-label", paused ? "Play" : "Pause");
    stage.dataset.state = paused ? "paused" : "playing";
  };
  const toggle = () => (video.paused ? video.play() : video.pause());
  playButton.addEventListener("click", toggle);
  video.addEventListener("click", toggle);
  video.addEventListener("play", sync);
  video.addEventListener("pause", sync);
  let lastSaved = 0;
  video.addEventListener("timeupdate", () => {
    const duration = Number.isFinite(video.duration) ? video.duration : 0;
    seek.max = String(duration);
    if (document.activeElement !== seek) seek.value = String(video.currentTime);
    seek.setAttribute("aria-valuetext", `${formatTime(video.currentTime)} of ${formatTime(duration)}`);
    time.textContent = `${formatTime(video.currentTime)} / ${formatTime(duration)}`;
    if (video.currentTime - lastSaved > 5 || video.currentTime < lastSaved) {
      lastSaved = video.currentTime;
      rememberPosition(contentId, video.currentTime, video.duration);
    }
  });
  seek.addEventListener("input", () => (video.currentTime = Number(seek.value)));
  mute.addEventListener("click", () => (video.muted = !video.muted));
  volume.addEventListener("input", () => {
    video.volume = Number(volume.value);
    video.muted = video.volume === 0;
  });
  video.addEventListener("volumechange", () => {
    mute.replaceChildren(icon(video.muted ? "muted" : "volume"));
    mute.setAttribute("aria-label", video.muted ? "Unmute" : "Mute");
  });
  full.addEventListener("click", () => (document.fullscreenElement ? document.exitFullscreen() : stage.requestFullscreen()));

  thumbnails(playback.thumbnails_vtt, seek, preview, () => video.duration);
  const refreshMenus = () => {
    quality.set(qualityItems(player));
    audio.set(audioItems(player));
    subtitles.set(subtitleItems(player));
  };
  player.addEventListener("trackschanged", refreshMenus);
  player.addEventListener("variantchanged", refreshMenus);
  player.addEventListener("adaptation", refreshMenus);
  refreshMenus();

  // Keyboard: space/k play-pause, ←/→ 5 s, j/l 10 s, ↑/↓ volume, m mute, f full screen.
  stage.tabIndex = -1;
  stage.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      for (const open of stage.querySelectorAll(".menu-list:not([hidden])")) {
        open.hidden = true;
        open.previousElementSibling?.setAttribute("aria-expanded", "false");
      }
    }
    if (event.target.closest("input[type=range], .menu-list, form")) return;
    const actions = {
      " ": toggle,
      k: toggle,
      ArrowLeft: () => (video.currentTime -= 5),
      ArrowRight: () => (video.currentTime += 5),
      j: () => (video.currentTime -= 10),
      l: () => (video.currentTime += 10),
      ArrowUp: () => (video.volume = Math.min(1, video.volume + 0.1)),
      ArrowDown: () => (video.volume = Math.max(0, video.volume - 0.1)),
      m: () => (video.muted = !video.muted),
      f: () => full.click(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  let idle = 0;
  stage.addEventListener("pointermove", () => {
    stage.classList.add("active");
    clearTimeout(idle);
    idle = setTimeout(() => stage.classList.remove("active"), 2500);
  });
  stage.focus();
  sync();
  return bar;
}
