// Quality-of-experience beacons to analytics: play requested, first frame, rebuffer start/end,
// bitrate switch, error, exit. CMCD keys (CTA-5004) where one fits: sid, cid, br (kbps), bl (ms),
// mtp (kbps), su, st, pt (ms). Batched: sent every 10 s, and at once on exit; a closing tab sends
// with navigator.sendBeacon, which cannot set headers, so its token goes in the body.
import { bearer } from "../api.js";

const URL = "/api/v1/analytics/beacons";
const FLUSH_MS = 10_000;
const MAX_BATCH = 100;

/** The beacons of one playback session on `player` (Shaka) and `video`. */
export function trackQoe(player, video, { sid, cid, tid }) {
  let queue = [];
  let seq = 0;
  let started = false;
  let stalled = false;
  let ended = false;
  const cmcd = () => {
    const stats = player.getStats?.() ?? {};
    const keys = { st: "v", pt: Math.round((video.currentTime || 0) * 1000) };
    if (stats.streamBandwidth > 0) keys.br = Math.round(stats.streamBandwidth / 1000);
    if (stats.estimatedBandwidth > 0) keys.mtp = Math.round(stats.estimatedBandwidth / 1000);
    const buffered = video.buffered;
    if (buffered?.length) keys.bl = Math.max(0, Math.round((buffered.end(buffered.length - 1) - video.currentTime) * 1000));
    return keys;
  };
  const send = (e, extra = {}) => {
    if (ended) return;
    queue.push({ id: `${sid}-${seq++}`, e, ts: Math.round(performance.timeOrigin + performance.now()), sid, cid, tid, ...cmcd(), ...extra });
    if (queue.length >= MAX_BATCH) flush(false);
  };
  const flush = (unloading) => {
    if (!queue.length) return;
    const events = queue.splice(0, MAX_BATCH);
    if (unloading && navigator.sendBeacon) {
      navigator.sendBeacon(URL, JSON.stringify({ events, access_token: bearer() }));
      return;
    }
    fetch(URL, {
      method: "POST",
      headers: { Authorization: `Bearer ${bearer()}`, "Content-Type": "application/json" },
      body: JSON.stringify({ events }),
      keepalive: unloading,
    }).catch(() => {});
  };
  const timer = setInterval(() => flush(false), FLUSH_MS);

  const firstFrame = () => {
    if (started) return;
    started = true;
    send("first_frame", { su: true });
  };
  if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback(firstFrame);
  else video.addEventListener("playing", firstFrame, { once: true });
  player.addEventListener("buffering", (event) => {
    if (!started || event.buffering === stalled) return;
    stalled = event.buffering;
    send(stalled ? "rebuffer_start" : "rebuffer_end");
  });
  player.addEventListener("adaptation", () => send("bitrate_switch"));
  player.addEventListener("error", (event) => {
    if (event.detail?.severity === 2) send("error", { code: String(event.detail.code ?? "unknown").slice(0, 128) });
  });

  const exit = (unloading) => {
    if (ended) return;
    send("exit");
    ended = true;
    clearInterval(timer);
    window.removeEventListener("pagehide", pagehide);
    while (queue.length) flush(unloading);
  };
  const pagehide = () => exit(true);
  window.addEventListener("pagehide", pagehide);
  return {
    /** The viewer asked to play at `at` (epoch ms; the click, before the session existed). */
    requested: (at) => send("play_requested", { ts: Math.round(at), su: true }),
    failed: (error) => send("error", { code: String(error?.code ?? error?.message ?? "unknown").slice(0, 128) }),
    exit,
  };
}
