// Recommendations from the discovery service, for the active profile. Each call answers null
// when discovery cannot be had (down, an error, or slower than WAIT_MS): the page then does
// without the rows (never an error page, never held up by a slow discovery).
import { api } from "./api.js";
import { session } from "./session.js";

const WAIT_MS = 2000;

/** Top picks, Because you watched {title}, Trending now in {country}, New releases. */
export async function homeRows() {
  try {
    const answer = await api("/recommendations/home", {
      query: { profile_id: session.profileId },
      signal: AbortSignal.timeout(WAIT_MS),
    });
    return answer.rows ?? [];
  } catch {
    return null;
  }
}

/** More like this: titles like the title, within the profile's limit and region. */
export async function moreLike(titleId) {
  try {
    return await api(`/recommendations/similar/${encodeURIComponent(titleId)}`, {
      query: { profile_id: session.profileId },
      signal: AbortSignal.timeout(WAIT_MS),
    });
  } catch {
    return null;
  }
}
