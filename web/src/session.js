// Who is watching: the signed-in account, the chosen profile, this browser's registered device.
import { api, clearTokens, hasSession, refresh, setTokens } from "./api.js";

const PROFILE_KEY = "cinemesh.profile";
const deviceKey = (userId) => `cinemesh.device.${userId}`;

export const session = {
  /** @type {any} the /me document */
  me: null,
  /** @type {any} the chosen profile */
  profile: null,
  /** unlock token of a PIN-locked profile (memory only) */
  unlockToken: null,
  get isEditor() {
    return Boolean(this.me?.roles?.some((role) => role === "admin" || role === "content_provider"));
  },
  get profileId() {
    return this.profile?.profile_id ?? null;
  },
};

export async function restore() {
  if (!hasSession()) return false;
  if (!(await refresh())) return false;
  await loadMe();
  return true;
}

export async function signIn(email, password) {
  setTokens(await api("/auth/login", { method: "POST", body: { email, password }, auth: false }));
  await loadMe();
}

export async function signUp({ email, username, password, country }) {
  await api("/auth/register", { method: "POST", body: { email, username, password, country }, auth: false });
  await signIn(email, password);
}

export async function signOut() {
  const token = sessionStorage.getItem("cinemesh.refresh");
  if (token) {
    await api("/auth/logout", { method: "POST", body: { refresh_token: token }, auth: false }).catch(() => {});
  }
  clearTokens();
  sessionStorage.removeItem(PROFILE_KEY);
  session.me = session.profile = session.unlockToken = null;
}

export async function loadMe() {
  session.me = await api("/me");
  const saved = sessionStorage.getItem(PROFILE_KEY);
  const profile = session.me.profiles?.find((p) => p.profile_id === saved) ?? null;
  // A PIN-locked profile stays chosen only while this page holds its unlock (kept in memory only):
  // after a reload, or once the profile was locked meanwhile, the picker asks for the PIN again.
  session.profile = profile && isPinLocked(profile) && !session.unlockToken ? null : profile;
  return session.me;
}

export function isPinLocked(profile) {
  const controls = session.me?.preferences?.parental_controls;
  return Boolean(controls?.enabled && controls.restricted_profiles?.includes(profile.profile_id));
}

export function chooseProfile(profile, unlockToken = null) {
  session.profile = profile;
  session.unlockToken = unlockToken;
  sessionStorage.setItem(PROFILE_KEY, profile.profile_id);
}

/** This browser as a registered device of the account (playback needs one). */
export async function deviceId({ renew = false } = {}) {
  const key = deviceKey(session.me.user_id);
  let id = localStorage.getItem(key);
  if (id && !renew) return id;
  const ua = navigator.userAgentData?.brands?.map((b) => b.brand).find((b) => !b.includes("Not")) ?? "Browser";
  const device = await api("/me/devices", {
    method: "POST",
    body: { device_type: "desktop", device_name: `${ua} on the web`, app_version: "web" },
  });
  id = device.device_id;
  localStorage.setItem(key, id);
  registeredAt.set(id, Date.now());
  return id;
}

const registeredAt = new Map();
/** Registered by this page in the last 30 s (its event may still be on its way to delivery). */
export function freshDevice(id) {
  return Date.now() - (registeredAt.get(id) ?? 0) < 30_000;
}

let onListCache = null;
export async function myList({ fresh = false } = {}) {
  if (!fresh && onListCache) return onListCache;
  const answer = await api("/me/list", { query: { profile_id: session.profileId } });
  onListCache = answer.items ?? [];
  return onListCache;
}

export async function toggleMyList(title) {
  const items = await myList();
  const saved = items.some((item) => item.content_id === title.id);
  if (saved) {
    await api(`/me/list/${encodeURIComponent(title.id)}`, {
      method: "DELETE",
      query: { profile_id: session.profileId },
    });
  } else {
    await api("/me/list", {
      method: "POST",
      body: { content_id: title.id, content_type: title.type, profile_id: session.profileId },
    });
  }
  await myList({ fresh: true });
  return !saved;
}

// -- where each profile stopped watching (until the history service has an API: this browser) ------

const positionKey = (contentId) => `cinemesh.position.${session.profileId}.${contentId}`;
const lastEpisodeKey = (titleId) => `cinemesh.last.${session.profileId}.${titleId}`;

/** Seconds to resume `contentId` at, or 0. */
export function savedPosition(contentId) {
  return Number(localStorage.getItem(positionKey(contentId)) || 0);
}

/**
 * Keeps the position when it is worth resuming: more than 5 s in and more than 10 s before the end
 * (or, for clips under a minute, before the last 15 %); otherwise forgets it.
 */
export function rememberPosition(contentId, seconds, duration) {
  if (!Number.isFinite(seconds) || !Number.isFinite(duration) || duration <= 0) return;
  const tail = Math.min(10, duration * 0.15);
  if (seconds > 5 && seconds < duration - tail) localStorage.setItem(positionKey(contentId), String(Math.floor(seconds)));
  else localStorage.removeItem(positionKey(contentId));
}

export function forgetPosition(contentId) {
  localStorage.removeItem(positionKey(contentId));
}

/** The episode of a series this profile played last (its title page offers to resume it). */
export function lastEpisode(titleId) {
  return localStorage.getItem(lastEpisodeKey(titleId));
}

export function rememberEpisode(titleId, episodeId) {
  localStorage.setItem(lastEpisodeKey(titleId), episodeId);
}
