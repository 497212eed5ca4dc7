// The player: a delivery playback session played by Shaka Player (HLS or DASH, adaptive bitrate,
// ClearKey DRM for DASH, AES-128 for HLS), with our own keyboard-accessible controls. The title
// page's inline trailer uses the same pieces (`playTrailer`).
import shaka from "shaka-player/dist/shaka-player.compiled-es2021.js";
import { api, bearer } from "../api.js";
import { field, form, formatTime, h, render } from "../dom.js";
import { navigate, onLeave } from "../router.js";
import { icon } from "../icons.js";
import {
  deviceId,
  forgetPosition,
  rememberEpisode,
  rememberPosition,
  session,
} from "../session.js";
import { resumePoint } from "../history.js";
import { viewableTitle } from "./title.js";
import { endedPanel, refusalPanel } from "./refusal.js";

/** What the tests and the benchmark read: the player, the session, startup and switch counts. */
const metrics = (window.__cinemesh = {
  player: null,
  session: null,
  trailer: null,
  startupMs: null,
  switches: 0,
  resumedAt: null,
  errors: [],
});

const AUTOPLAY_SECONDS = 5;

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
  player.addEventListener("error", (event) => showError(stage, item, event.detail));
  player.addEventListener("adaptation", () => (metrics.switches += 1));

  const stop = keepAlive(playback, video, () => rememberPosition(id, video.currentTime, video.duration));
  onLeave(async () => {
    await stop(false);
    await player.destroy();
  });

  const clicked = Number(sessionStorage.getItem("cinemesh.playClickedAt")) || performance.timeOrigin + performance.now();
  sessionStorage.removeItem("cinemesh.playClickedAt");
  const firstFrame = () => {
    metrics.startupMs = Math.round(performance.timeOrigin + performance.now() - clicked);
    stage.dataset.state = "playing";
  };
  if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback(firstFrame);
  else video.addEventListener("playing", firstFrame, { once: true });

  // Resume where this profile stopped, unless asked to start over (?from=start).
  const resume = query.get("from") === "start" ? 0 : await resumePoint(id);
  try {
    await player.load(player.cinemeshUrl, resume > 5 ? resume : null);
  } catch (error) {
    showError(stage, item, error);
    return;
  }
  metrics.resumedAt = resume > 5 ? resume : null;
  stage.dataset.format = player.cinemeshFormat;
  const controls = buildControls({ stage, video, player, item, heading, playback, contentId: id, resumed: resume > 5 });
  stage.append(controls);
  video.addEventListener("ended", () => {
    forgetPosition(id);
    if (next) upNext(stage, item, next);
  });
  video.play().catch(() => (stage.dataset.state = "paused"));
}

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

/** A Shaka player on `video` for the session: DASH with ClearKey when offered, else HLS. */
async function shakaFor(video, playback, format) {
  shaka.polyfill.installAll();
  if (!shaka.Player.isBrowserSupported()) throw new Error("This browser cannot play adaptive video (no Media Source Extensions).");
  const player = new shaka.Player();
  await player.attach(video);
  const useDash = Boolean(playback.dash_url && playback.drm?.dash) && format !== "hls";
  const config = { streaming: { bufferingGoal: 30, rebufferingGoal: 1.5 }, abr: { enabled: true } };
  if (useDash) config.drm = { servers: { [playback.drm.dash.key_system]: playback.drm.dash.license_url } };
  const audioLanguage = session.me?.preferences?.audio_language;
  if (audioLanguage) config.preferredAudio = [{ language: audioLanguage }];
  player.configure(config);
  // The licence is part of the session: it goes with the viewer's bearer token, nothing else does.
  player.getNetworkingEngine().registerRequestFilter((type, request) => {
    if (type === shaka.net.NetworkingEngine.RequestType.LICENSE) request.headers.Authorization = `Bearer ${bearer()}`;
  });
  player.cinemeshUrl = useDash ? playback.dash_url : playback.hls_url;
  player.cinemeshFormat = useDash ? "dash" : "hls";
  return player;
}

async function startSession(contentId, stage) {
  const body = { content_id: contentId, profile_id: session.profileId, device_id: await deviceId() };
  if (session.unlockToken) body.unlock_token = session.unlockToken;
  try {
    return await api("/playback", { method: "POST", body });
  } catch (error) {
    if (error.code === "device-not-registered") {
      // Delivery confirms a just-registered device with the users service, so this means the
      // device was removed (on the Devices page, from another browser): register this one again.
      body.device_id = await deviceId({ renew: true });
      return api("/playback", { method: "POST", body });
    }
    if (error.code === "profile-unlock-required" || error.code === "invalid-unlock-token") {
      body.unlock_token = await askPin(stage);
      return api("/playback", { method: "POST", body });
    }
    throw error;
  }
}

function askPin(stage) {
  return new Promise((resolve) => {
    const panel = h(
      "div.player-panel",
      null,
      form(
        { "aria-label": "Enter PIN" },
        [
          h("h2", null, "This title needs the profile PIN"),
          field("PIN", { name: "pin", type: "password", inputMode: "numeric", pattern: "[0-9]{4}", maxLength: 4, autocomplete: "off", required: true }),
          h("button.primary", { type: "submit" }, "Unlock"),
        ],
        async ({ pin }) => {
          const unlock = await api(`/me/profiles/${session.profileId}/unlock`, { method: "POST", body: { pin } });
          session.unlockToken = unlock.unlock_token;
          panel.remove();
          resolve(unlock.unlock_token);
        },
      ),
    );
    stage.append(panel);
    panel.querySelector("input").focus();
  });
}

/**
 * Heartbeats while playing, and the end of the session: on leaving the page in the app, or when
 * the tab closes (`pagehide`, keepalive). `save` runs before the end (the resume position).
 * @returns {(unloading: boolean) => Promise<void>} stop, idempotent
 */
function keepAlive(playback, video, save) {
  const beat = () =>
    api(`/playback/${playback.session_id}/heartbeat`, {
      method: "POST",
      body: { position_seconds: Number.isFinite(video.currentTime) ? video.currentTime : null },
    }).catch((error) => {
      metrics.errors.push(`heartbeat: ${error.message}`);
      // Ended from another device ("stop playback on other devices"), or timed out while its
      // stream went elsewhere: stop here too instead of playing on without a session.
      if (error.code === "session-ended" || error.code === "session-expired") {
        stop(false);
        video.pause();
        (video.closest(".player") ?? video.parentElement)?.append(endedPanel(error));
      }
    });
  const heartbeat = setInterval(beat, (playback.heartbeat_interval_seconds ?? 20) * 1000);
  // The heartbeat is also the progress report: a pause or a seek reports at once, so the
  // viewer's other devices (and a resume) see where playback really is.
  video.addEventListener("pause", beat);
  video.addEventListener("seeked", beat);
  let ended = false;
  const stop = async (unloading) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    video.removeEventListener("pause", beat);
    video.removeEventListener("seeked", beat);
    window.removeEventListener("pagehide", pagehide);
    save();
    await stopSession(playback, unloading);
  };
  const pagehide = () => stop(true);
  window.addEventListener("pagehide", pagehide);
  return stop;
}

async function stopSession(playback, unloading) {
  const url = `/api/v1/playback/${playback.session_id}`;
  const headers = { Authorization: `Bearer ${bearer()}` };
  if (unloading) fetch(url, { method: "DELETE", headers, keepalive: true }).catch(() => {});
  else await fetch(url, { method: "DELETE", headers }).catch(() => {});
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

/** The profile's autoplay preference, else the account's (the schema's default: on). */
export function autoplayNext() {
  return session.profile?.preferences?.autoplay ?? session.me?.preferences?.autoplay ?? true;
}

/** The next episode is offered; with autoplay on it starts after a countdown (Cancel stops it). */
function upNext(stage, item, next) {
  const autoplay = autoplayNext();
  const href = `/watch/${next.id}?title=${item.id}`;
  const link = h("a.button.primary.next-episode", { href }, `Next: E${next.number} ${next.name}`);
  const status = h("p", { role: "status" }, autoplay ? `Up next in ${AUTOPLAY_SECONDS} seconds` : "Up next");
  const cancel = h("button.secondary", { type: "button" }, "Cancel");
  const panel = h("div.player-panel.up-next", { dataset: { autoplay: String(autoplay) } }, status, h("div.actions", null, link, autoplay ? cancel : null));
  stage.querySelector(".seek-preview")?.setAttribute("hidden", "");
  stage.append(panel);
  link.focus();
  if (!autoplay) return;
  let left = AUTOPLAY_SECONDS;
  const timer = setInterval(() => {
    if (!panel.isConnected) return clearInterval(timer); // the viewer left the player meanwhile
    left -= 1;
    if (left > 0) status.textContent = `Up next in ${left} second${left === 1 ? "" : "s"}`;
    else {
      clearInterval(timer);
      navigate(href);
    }
  }, 1000);
  const stopCountdown = () => clearInterval(timer);
  link.addEventListener("click", stopCountdown);
  cancel.addEventListener("click", () => {
    stopCountdown();
    status.textContent = "Up next";
    cancel.remove();
    link.focus();
  });
}

// -- controls -----------------------------------------------------------------------------------

function buildControls({ stage, video, player, item, heading, playback, contentId, resumed }) {
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

/** A menu button with a list of radio items (arrow keys move, Escape closes). */
function menu(label, name, changed) {
  const button = h("button.ctl.menu-button", { type: "button", "aria-haspopup": "true", "aria-expanded": "false", dataset: { menu: name } }, label);
  const list = h("ul.menu-list", { role: "menu", "aria-label": label, hidden: true });
  const el = h("div.menu", null, button, list);
  const close = () => {
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
  };
  button.addEventListener("click", () => {
    list.hidden = !list.hidden;
    button.setAttribute("aria-expanded", String(!list.hidden));
    if (!list.hidden) (list.querySelector("[aria-checked=true]") ?? list.querySelector("button"))?.focus();
  });
  list.addEventListener("keydown", (event) => {
    const items = [...list.querySelectorAll("button")];
    const index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      close();
      button.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      items[(index + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
    }
  });
  return {
    el,
    set(items) {
      el.hidden = items.length < 2;
      list.replaceChildren(
        ...items.map((item) =>
          h(
            "li",
            { role: "none" },
            h(
              "button",
              {
                type: "button",
                role: "menuitemradio",
                "aria-checked": String(Boolean(item.checked)),
                dataset: { value: item.value },
                onclick: () => {
                  item.select();
                  changed();
                  close();
                  button.focus();
                },
              },
              item.label,
            ),
          ),
        ),
      );
    },
  };
}

function qualityItems(player) {
  const variants = player.getVariantTracks();
  const abr = player.getConfiguration().abr.enabled;
  const heights = [...new Set(variants.map((v) => v.height).filter(Boolean))].sort((a, b) => b - a);
  const active = variants.find((v) => v.active);
  if (heights.length < 2) return []; // one rendition: nothing to choose
  return [
    { label: `Auto${abr && active?.height ? ` (${active.height}p)` : ""}`, value: "auto", checked: abr, select: () => player.configure({ abr: { enabled: true } }) },
    ...heights.map((height) => ({
      label: `${height}p`,
      value: String(height),
      checked: !abr && active?.height === height,
      select: () => {
        player.configure({ abr: { enabled: false } });
        const audio = active?.language;
        const pick = variants
          .filter((v) => v.height === height && (!audio || v.language === audio))
          .sort((a, b) => b.bandwidth - a.bandwidth)[0];
        if (pick) player.selectVariantTrack(pick, true);
      },
    })),
  ];
}

function audioItems(player) {
  const tracks = player.getAudioTracks?.() ?? [];
  return tracks.map((track) => ({
    label: track.label || languageName(track.language) || "Default",
    value: `${track.language}:${track.label ?? ""}`,
    checked: track.active,
    select: () => player.selectAudioTrack(track),
  }));
}

/** Native captions sit on the video's last line, under our control bar; each shown cue is put
 * a few lines up instead (negative `line` counts from the bottom). */
function liftCaptions(video) {
  const lift = (track) =>
    track.addEventListener("cuechange", () => {
      for (const cue of Array.from(track.activeCues ?? [])) {
        if (cue.line !== CAPTION_LINE) {
          cue.snapToLines = true;
          cue.line = CAPTION_LINE;
        }
      }
    });
  Array.from(video.textTracks).forEach(lift);
  video.textTracks.addEventListener("addtrack", (event) => lift(event.track));
}
const CAPTION_LINE = -4;

function subtitleItems(player) {
  const tracks = player.getTextTracks();
  if (!tracks.length) return [];
  const active = tracks.find((t) => t.active);
  return [
    { label: "Off", value: "off", checked: !active, select: () => player.selectTextTrack(null) },
    ...tracks.map((track) => ({
      label: track.label || languageName(track.language),
      value: track.language,
      checked: track.active,
      select: () => player.selectTextTrack(track),
    })),
  ];
}

function languageName(code) {
  if (!code || code === "und") return "";
  try {
    return new Intl.DisplayNames([navigator.language], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}

// -- trick-play thumbnails: a WebVTT of sprite regions (`sprite.jpg#xywh=x,y,w,h`) -------------

async function thumbnails(vttUrl, seek, preview, duration) {
  if (!vttUrl) return;
  let cues = [];
  try {
    const absolute = new URL(vttUrl, location.href).href; // sprite paths are relative to the VTT
    const text = await (await fetch(absolute)).text();
    cues = parseVtt(text, absolute);
  } catch {
    return;
  }
  if (!cues.length) return;
  const thumb = preview.querySelector(".seek-thumb");
  const label = preview.querySelector(".seek-time");
  const show = (seconds, fraction) => {
    const cue = cues.find((c) => seconds >= c.start && seconds < c.end) ?? cues.at(-1);
    thumb.style.backgroundImage = `url("${cue.url}")`;
    thumb.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    thumb.style.width = `${cue.w}px`;
    thumb.style.height = `${cue.h}px`;
    label.textContent = formatTime(seconds);
    preview.style.left = `${Math.max(0, Math.min(100, fraction * 100))}%`;
    preview.hidden = false;
  };
  seek.addEventListener("pointermove", (event) => {
    const rect = seek.getBoundingClientRect();
    const fraction = (event.clientX - rect.left) / rect.width;
    show(fraction * (duration() || 0), fraction);
  });
  seek.addEventListener("pointerleave", () => (preview.hidden = true));
  seek.addEventListener("input", () => {
    const total = duration() || 1;
    show(Number(seek.value), Number(seek.value) / total);
  });
  seek.addEventListener("blur", () => (preview.hidden = true));
  seek.addEventListener("change", () => (preview.hidden = true)); // the drag ended
  preview.dataset.cues = String(cues.length);
}

export function parseVtt(text, base) {
  const cues = [];
  const seconds = (stamp) => stamp.split(":").reduce((total, part) => total * 60 + Number(part), 0);
  for (const block of text.replace(/\r/g, "").split("\n\n")) {
    const lines = block.trim().split("\n");
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [start, end] = lines[timing].split("-->").map((s) => seconds(s.trim().split(" ")[0]));
    const [file, hash = ""] = lines[timing + 1].trim().split("#");
    const [x = 0, y = 0, w = 160, h = 90] = (/xywh=([\d,]+)/.exec(hash)?.[1] ?? "").split(",").map(Number);
    cues.push({ start, end, url: new URL(file, base).href, x, y, w, h });
  }
  return cues;
}
