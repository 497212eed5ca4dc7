// Who is watching: the signed-in account, the chosen profile, this browser's registered device.
import { api, hasSession, logIn, logOut, refresh } from "./api.js";
import { registerDevice } from "./device.js";

const PROFILE_KEY = "cinemesh.profile";

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
  await logIn(email, password);
  await loadMe();
}

export async function signUp({ email, username, password, country }) {
  await api("/auth/register", { method: "POST", body: { email, username, password, country }, auth: false });
  await signIn(email, password);
}

export async function signOut() {
  await logOut();
  forgetDevice();
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

let registering = null;
/**
 * This browser as a registered device of the account (playback needs one): registered once per
 * page load - the same browser always gets its own device back, and its "last used" moves on -
 * however many views ask at once. `replace`: the device id to swap out when the list is full.
 * Rejects with the users service's problem (e.g. `device-limit-reached`).
 */
export function deviceId({ renew = false, replace = null } = {}) {
  if (renew || replace) registering = null;
  registering ??= registerDevice({ replace }).catch((error) => {
    registering = null;
    throw error;
  });
  return registering;
}

/** Forgets the registration of this page load (the device was removed, or the user changed). */
export function forgetDevice() {
  registering = null;
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
