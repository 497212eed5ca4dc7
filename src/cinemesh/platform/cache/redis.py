"""Cache on Redis (redis.asyncio): shared by every worker and service replica."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from cinemesh.platform.cache.base import (
    Cache,
    CacheError,
    CacheUnavailableError,
    NotAnIntegerError,
    check_ttl,
)

# INCRBY and "expire if it has no expiry" must be one step: as two round trips, a crash (or a
# cancelled task) between them would leave a counter that never expires, i.e. a rate limit that
# never resets. Checking PTTL == -1 rather than "was created" also repairs such a key if an
# older writer ever left one.
_INCR_WITH_TTL = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""


def _ttl_ms(ttl: float | None) -> int | None:
    check_ttl(ttl)
    # Round up: a 0.0004 s ttl must not become "0 ms", which Redis rejects.
    return None if ttl is None else max(1, math.ceil(ttl * 1000))


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """Redis errors as the port's errors, so no redis-py type leaks to services."""
    try:
        yield
    except ResponseError as exc:
        if "not an integer" in str(exc):
            raise NotAnIntegerError(f"value of {key!r} is not an integer") from None
        raise CacheError(f"Redis refused the command on {key!r}: {exc}") from exc
    except RedisError as exc:  # connection refused/lost, timeouts, pool exhausted
        raise CacheUnavailableError(f"Redis unavailable: {exc}") from exc


def _as_bytes(value: bytes | str | None) -> bytes | None:
    # Only for the type checker: the constructor refuses clients that decode responses.
    return value.encode() if isinstance(value, str) else value


class RedisCache(Cache):
    def __init__(self, client: aioredis.Redis, *, owns_client: bool = True) -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("RedisCache stores bytes: pass a client without decode_responses")
        self._client = client
        self._owns_client = owns_client
        self._incr_with_ttl = client.register_script(_INCR_WITH_TTL)

    @classmethod
    def from_url(cls, url: str, *, max_connections: int = 64, pool_timeout: float = 5.0) -> RedisCache:
        # A blocking pool makes a burst beyond `max_connections` wait (up to `pool_timeout`) for a
        # free connection; the default pool fails the excess calls with "Too many connections".
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
        return cls(aioredis.Redis.from_pool(pool))  # from_pool: closing the client closes the pool

    async def get(self, key: str) -> bytes | None:
        with _translated(key):
            return _as_bytes(await self._client.get(key))

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        ttl_ms = _ttl_ms(ttl)
        with _translated(key):
            await self._client.set(key, value, px=ttl_ms)

    async def delete(self, key: str) -> None:
        with _translated(key):
            await self._client.delete(key)

    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        ttl_ms = _ttl_ms(ttl)
        with _translated(key):
            if ttl_ms is None:
                return int(await self._client.incrby(key, amount))
            return int(await self._incr_with_ttl(keys=[key], args=[amount, ttl_ms]))

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        ttl_ms = _ttl_ms(ttl)
        with _translated(key):
            return bool(await self._client.set(key, value, px=ttl_ms, nx=True))

    async def ttl(self, key: str) -> float | None:
        with _translated(key):
            ms = int(await self._client.pttl(key))
        return None if ms < 0 else ms / 1000  # -2: missing, -1: no expiry

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        keys = list(keys)
        if not keys:
            return {}
        with _translated(keys[0]):
            values = [_as_bytes(value) for value in await self._client.mget(keys)]
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}

    async def set_many(self, items: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        ttl_ms = _ttl_ms(ttl)
        if not items:
            return
        # One round trip; not a transaction (the port promises no atomicity for batches).
        with _translated(next(iter(items))):
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, value, px=ttl_ms)
                await pipe.execute()

    def script(self, source: str) -> Callable[[Sequence[str], Sequence[str | int]], Awaitable[Any]]:
        """A Lua script Redis runs atomically: EVALSHA (one round trip), loaded again by itself
        if the server forgot it; errors as the port's."""
        registered = self._client.register_script(source)

        async def run(keys: Sequence[str], args: Sequence[str | int]) -> Any:
            with _translated(keys[0] if keys else "(script)"):
                return await registered(keys=list(keys), args=list(args))

        return run

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()
