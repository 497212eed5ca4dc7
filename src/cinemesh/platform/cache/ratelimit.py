"""Fixed-window rate limiting on any `Cache` adapter.

A window starts at a key's first hit and lasts `window_seconds`; hits are counted with one
atomic `incr` whose ttl is the window, so it is exact under concurrency and across processes
(on Redis) with a single round trip per allowed-and-fresh hit. The known cost of fixed windows:
a client may spend `limit` at the end of one window and `limit` again at the start of the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from cinemesh.platform.cache.base import Cache


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int  # hits left in the current window
    reset_after: float  # seconds until the window resets (for Retry-After / RateLimit-Reset)


class RateLimiter:
    def __init__(self, cache: Cache, *, namespace: str = "ratelimit") -> None:
        self._cache = cache.namespaced(namespace)

    async def hit(self, key: str, *, limit: int, window_seconds: float, cost: int = 1) -> RateLimitResult:
        """Count `cost` hits against `key`; allowed while the window's total stays within `limit`."""
        if limit < 0 or cost < 1:
            raise ValueError("limit must be >= 0 and cost >= 1")
        count = await self._cache.incr(key, cost, ttl=window_seconds)
        if count == cost:
            reset_after = window_seconds  # this hit opened the window
        else:
            remaining_ttl = await self._cache.ttl(key)
            reset_after = window_seconds if remaining_ttl is None else remaining_ttl
        return RateLimitResult(
            allowed=count <= limit,
            limit=limit,
            remaining=max(0, limit - count),
            reset_after=reset_after,
        )
