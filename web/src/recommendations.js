// Recommendations from the discovery service, for the active profile. Each call answers null
// when discovery cannot be had: the page then does without the rows (never an error page).
import { api } from "./api.js";
import { session } from "./session.js";

/** Top picks, Because you watched {title}, Trending now in {country}, New releases. */
export async function homeRows() {
  try {
    const answer = await api("/recommendations/home", { query: { profile_id: session.profileId } });
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
    });
  } catch {
    return null;
  }
}
