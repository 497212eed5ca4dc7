"""Cache port and its adapters: in-process LRU on a laptop, Redis at scale; plus rate limiting."""

from __future__ import annotations

from cinemesh.platform.cache.base import (
    Cache,
    CacheError,
    CacheUnavailableError,
    NamespacedCache,
    NotAnIntegerError,
)
from cinemesh.platform.cache.memory import MemoryCache
from cinemesh.platform.cache.ratelimit import RateLimiter, RateLimitResult
from cinemesh.platform.cache.redis import RedisCache
from cinemesh.platform.settings import Settings

__all__ = [
    "Cache",
    "CacheError",
    "CacheUnavailableError",
    "MemoryCache",
    "NamespacedCache",
    "NotAnIntegerError",
    "RateLimitResult",
    "RateLimiter",
    "RedisCache",
    "build_cache",
]


def build_cache(settings: Settings) -> Cache:
    """The adapter `settings.cache` selects; the caller owns it and must `close()` it."""
    if settings.cache == "redis":
        return RedisCache.from_url(settings.redis_url)
    return MemoryCache()
