// What the tests and the benchmark read of the page's players (window.__cinemesh).
/** What the tests and the benchmark read: the player, the session, startup and switch counts. */
export const metrics = (window.__cinemesh = {
  player: null,
  session: null,
  trailer: null,
  startupMs: null,
  switches: 0,
  resumedAt: null,
  errors: [],
});
