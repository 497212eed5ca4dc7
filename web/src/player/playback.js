// A delivery playback session: started (with the profile PIN when asked), kept alive by
// heartbeats that are also the progress reports, and ended when the page is left or closed.
import { api, bearer } from "../api.js";
import { field, form, h } from "../dom.js";
import { deviceId, session } from "../session.js";
import { endedPanel } from "../views/refusal.js";
import { metrics } from "./metrics.js";

export async function startSession(contentId, stage) {
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
export function keepAlive(playback, video, save) {
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
    // A last report where playback stopped, before the end: the resume point (history's, from
    // these reports) is where the viewer left, not the last beat up to an interval earlier.
    await lastReport(playback, video, unloading);
    await stopSession(playback, unloading);
  };
  const pagehide = () => stop(true);
  window.addEventListener("pagehide", pagehide);
  return stop;
}

async function lastReport(playback, video, unloading) {
  if (!Number.isFinite(video.currentTime)) return;
  const request = fetch(`/api/v1/playback/${playback.session_id}/heartbeat`, {
    method: "POST",
    headers: { Authorization: `Bearer ${bearer()}`, "Content-Type": "application/json" },
    body: JSON.stringify({ position_seconds: video.currentTime }),
    keepalive: unloading,
  }).catch(() => {});
  if (!unloading) await request; // a closing tab cannot wait: best effort, ahead of the end
}

export async function stopSession(playback, unloading) {
  const url = `/api/v1/playback/${playback.session_id}`;
  const headers = { Authorization: `Bearer ${bearer()}` };
  if (unloading) fetch(url, { method: "DELETE", headers, keepalive: true }).catch(() => {});
  else await fetch(url, { method: "DELETE", headers }).catch(() => {});
}
