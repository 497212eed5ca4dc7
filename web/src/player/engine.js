// Shaka Player set up for a delivery playback session: DASH with ClearKey when offered, else HLS.
import shaka from "shaka-player/dist/shaka-player.compiled-es2021.js";
import { bearer } from "../api.js";
import { session } from "../session.js";

/** A Shaka player on `video` for the session: DASH with ClearKey when offered, else HLS. */
export async function shakaFor(video, playback, format) {
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
