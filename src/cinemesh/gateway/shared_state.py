"""What gateway replicas share through the cache when it is Redis (`CINEMESH_CACHE=redis`).

* Ended sessions: every replica follows the users topic (`revocations.py`), and also writes what
  it hears into the cache, and checks a signed-in caller there, at most once a second per
  session and replica. So a replica whose feed is behind (just started, or stalled on a broken
  read) still refuses a session another replica has already heard end, within a second.
* The users service's JWKS: replicas share one copy, fresh for 10 s (below the users service's
  key activation delay, 15 s by default: a key is published before any token is signed with it,
  so a copy that young always holds every key in use), and keep a stale copy for an hour that
  is used only when the users service cannot be reached, so a gateway that restarts during a
  users outage still verifies tokens.

A cache failure never fails a request: the check is skipped (the local feed still holds) and the
JWKS is fetched from the users service as without a cache.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from cinemesh.contracts.users import SessionRevokedV1, SessionsEndedV1, UserDeletedV1
from cinemesh.platform.cache import Cache, CacheError
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.logging import get_logger
from cinemesh.platform.tokens import JwksFetcher, Principal

log = get_logger("cinemesh.gateway.shared_state")

JWKS_FRESH_SECONDS = 10.0
JWKS_STALE_SECONDS = 3600.0


class SharedRevocations:
    def __init__(
        self,
        cache: Cache,
        *,
        remember_seconds: float,
        recheck_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache = cache.namespaced("gateway-revocations")
        self.remember_seconds = remember_seconds
        self.recheck_seconds = recheck_seconds
        self._clock = clock
        self._checked: dict[tuple[str, str | None], float] = {}  # (user, session) -> next check

    async def record(self, envelope: Envelope) -> None:
        """Writes an ending the feed heard (idempotent: every replica writes the same)."""
        ttl = self.remember_seconds
        try:
            if envelope.type == UserDeletedV1.event_type:
                user_id = UserDeletedV1.model_validate(envelope.data).user_id
                await self._cache.set(f"deleted:{user_id}", b"1", ttl=ttl)
            elif envelope.type == SessionRevokedV1.event_type:
                session_id = SessionRevokedV1.model_validate(envelope.data).session_id
                await self._cache.set(f"session:{session_id}", b"1", ttl=ttl)
            elif envelope.type == SessionsEndedV1.event_type:
                ended = SessionsEndedV1.model_validate(envelope.data)
                key = f"generation:{ended.user_id}"
                known = await self._cache.get(key)
                if known is None or int(known) < ended.session_generation:
                    await self._cache.set(key, str(ended.session_generation).encode(), ttl=ttl)
        except CacheError as exc:
            log.warning("shared_revocations_unavailable", error=str(exc))

    async def refuses(self, principal: Principal) -> bool:
        memo = (principal.user_id, principal.session_id)
        now = self._clock()
        if self._checked.get(memo, 0.0) > now:
            return False
        keys = [f"deleted:{principal.user_id}", f"generation:{principal.user_id}"]
        if principal.session_id is not None:
            keys.append(f"session:{principal.session_id}")
        try:
            found = await self._cache.get_many(keys)
        except CacheError as exc:
            log.warning("shared_revocations_unavailable", error=str(exc))
            return False
        generation = found.get(keys[1])
        refused = (
            keys[0] in found
            or (len(keys) > 2 and keys[2] in found)
            or (
                generation is not None
                and (principal.session_generation is None or principal.session_generation < int(generation))
            )
        )
        if not refused:
            if len(self._checked) >= 100_000:
                self._checked.clear()
            self._checked[memo] = now + self.recheck_seconds
        return refused


def shared_jwks_fetcher(
    fetch: JwksFetcher,
    cache: Cache,
    *,
    fresh_seconds: float = JWKS_FRESH_SECONDS,
    stale_seconds: float = JWKS_STALE_SECONDS,
) -> JwksFetcher:
    jwks = cache.namespaced("gateway-jwks")

    async def cached(key: str) -> dict[str, Any] | None:
        try:
            document = await jwks.get(key)
        except CacheError:
            return None
        return None if document is None else dict(json.loads(document))

    async def fetch_shared() -> dict[str, Any]:
        if (fresh := await cached("fresh")) is not None:
            return fresh
        try:
            document = await fetch()
        except Exception:
            if (stale := await cached("stale")) is not None:
                log.warning("jwks_stale_copy_used")
                return stale
            raise
        body = json.dumps(document).encode()
        try:
            await jwks.set("fresh", body, ttl=fresh_seconds)
            await jwks.set("stale", body, ttl=stale_seconds)
        except CacheError as exc:
            log.warning("jwks_cache_unavailable", error=str(exc))
        return document

    return fetch_shared
