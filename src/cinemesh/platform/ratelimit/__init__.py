"""Token-bucket rate limiting: in-process when embedded, on Redis (one atomic script per
request) when several replicas must share the counts; plus the header fields clients read."""

from __future__ import annotations

from cinemesh.platform.cache import Cache, RedisCache
from cinemesh.platform.ratelimit.buckets import (
    BucketPolicy,
    BucketState,
    Decision,
    MemoryTokenBuckets,
    Take,
    TokenBuckets,
)
from cinemesh.platform.ratelimit.headers import rate_limit_headers, refused, too_many_requests
from cinemesh.platform.ratelimit.redis import RedisTokenBuckets

__all__ = [
    "BucketPolicy",
    "BucketState",
    "Decision",
    "MemoryTokenBuckets",
    "RedisTokenBuckets",
    "Take",
    "TokenBuckets",
    "build_token_buckets",
    "rate_limit_headers",
    "refused",
    "too_many_requests",
]


def build_token_buckets(cache: Cache, *, prefix: str = "ratelimit") -> TokenBuckets:
    """On the cache's Redis when the cache is Redis (shared by replicas), else in this process."""
    if isinstance(cache, RedisCache):
        return RedisTokenBuckets(cache, prefix=prefix)
    return MemoryTokenBuckets()
