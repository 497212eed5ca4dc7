// Viewing history from the history service: the profile's resume points (server first; this
// browser's localStorage only as the offline cache), the Continue watching row's items, and the
// profile's live stream, so a second device sees a report of the first within a second.
import { api } from "./api.js";
import { rememberPosition, savedPosition, session } from "./session.js";
import { followEvents } from "./sse.js";

const profileQuery = () => ({ profile_id: session.profileId });

// The first seconds are no place to resume at (the local cache keeps none either): the server
// clears points under a percentage only, which for a short episode is a second or less.
const MIN_RESUME_SECONDS = 5;

/** Seconds to resume `contentId` at (0: from the start). The server's point wins; offline or on
 * an error this browser's last known position does. */
export async function resumePoint(contentId) {
  if (!contentId) return 0;
  try {
    const entry = await api(`/history/progress/${encodeURIComponent(contentId)}`, { query: profileQuery() });
    const seconds = entry.position_seconds ?? 0;
    if (seconds > 0) rememberPosition(contentId, seconds, entry.duration_seconds ?? Infinity);
    return seconds > MIN_RESUME_SECONDS ? seconds : 0;
  } catch (error) {
    if (error.status === 404) return 0; // never played (or history deleted): from the start
    return savedPosition(contentId);
  }
}

export async function continueWatching() {
  return (await api("/history/continue-watching", { query: { ...profileQuery(), limit: 20 } })).items;
}

/** Off the row; the resume point stays (playing the title again brings it back). */
export function removeFromRow(contentId) {
  return api(`/history/continue-watching/${encodeURIComponent(contentId)}`, {
    method: "DELETE",
    query: profileQuery(),
  });
}

/** Follows the profile's history: `onSnapshot(items)` with the whole row, `onProgress(item)` per
 * change. @returns {() => void} close */
export function followHistory({ onSnapshot, onProgress }) {
  const path = `/history/stream?profile_id=${encodeURIComponent(session.profileId)}`;
  const stream = followEvents(path, {
    onEvent: (event, data) => {
      if (event === "snapshot") onSnapshot(data.items);
      else if (event === "progress") onProgress(data);
    },
  });
  return stream.close;
}

// -- the history page (views/history_page.js) ------------------------------------------------

/** One page of watched contents, newest first: {items, next_cursor}. */
export function watchedPage(cursor = null, limit = 20) {
  return api("/history", { query: { ...profileQuery(), limit, ...(cursor ? { cursor } : {}) } });
}

/** Mark watched (clears the resume point) or unwatched; answers the entry as it is now. */
export function markWatched(contentId, watched) {
  return api(`/history/progress/${encodeURIComponent(contentId)}/watched`, {
    method: watched ? "PUT" : "DELETE",
    query: profileQuery(),
  });
}

/** Deletes one content's history (`contentId`) or all of the profile's (null). */
export function deleteHistory(contentId = null) {
  const path = contentId ? `/history/progress/${encodeURIComponent(contentId)}` : "/history";
  return api(path, { method: "DELETE", query: profileQuery() });
}

export async function historyPaused() {
  return (await api("/history/paused", { query: profileQuery() })).paused;
}

export function pauseHistory(paused) {
  return api("/history/paused", { method: "PUT", query: profileQuery(), body: { paused } });
}
