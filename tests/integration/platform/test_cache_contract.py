"""One contract, every cache adapter: in-process memory and a real Redis."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from cinemesh.platform.cache import (
    Cache,
    CacheUnavailableError,
    MemoryCache,
    NotAnIntegerError,
    RateLimiter,
    RedisCache,
    build_cache,
)
from cinemesh.platform.settings import Settings

pytestmark = pytest.mark.integration

SHORT_TTL = 0.2
LONG_TTL = 30.0


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        root: Cache = MemoryCache()
        view = root
    else:
        root = RedisCache.from_url(request.getfixturevalue("redis_url"))
        # Every key of the test lives under the fixture's unique namespace, deleted afterwards.
        view = root.namespaced(request.getfixturevalue("redis_namespace"))
    yield view
    await root.close()


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


async def test_get_set_delete(cache: Cache) -> None:
    assert await cache.get("session:1") is None
    await cache.set("session:1", b"\x00binary\xff")
    assert await cache.get("session:1") == b"\x00binary\xff"
    assert await cache.ttl("session:1") is None  # no expiry
    await cache.set("session:1", b"replaced")
    assert await cache.get("session:1") == b"replaced"
    await cache.delete("session:1")
    await cache.delete("session:1")  # idempotent
    assert await cache.get("session:1") is None


async def test_ttl_is_reported_and_keys_expire(cache: Cache) -> None:
    # Reporting is checked on a long ttl, expiry on a short one: on a loaded CI machine a short
    # key may already be gone by the time we look at it.
    await cache.set("long", b"v", ttl=LONG_TTL)
    remaining = await cache.ttl("long")
    assert remaining is not None and 0 < remaining <= LONG_TTL
    assert await cache.get("long") == b"v"

    await cache.set("hot", b"v", ttl=SHORT_TTL)

    async def expired() -> bool:
        return await cache.get("hot") is None

    await eventually(expired)
    assert await cache.ttl("hot") is None
    assert await cache.get("long") == b"v"


async def test_invalid_ttl_is_refused(cache: Cache) -> None:
    for ttl in (0, -1, float("nan")):
        with pytest.raises(ValueError):
            await cache.set("k", b"v", ttl=ttl)


async def test_incr_is_atomic_under_concurrency(cache: Cache) -> None:
    results = await asyncio.gather(*(cache.incr("streams:user-1") for _ in range(200)))
    assert sorted(results) == list(range(1, 201))  # every increment seen exactly once
    assert await cache.get("streams:user-1") == b"200"
    assert await cache.incr("streams:user-1", -5) == 195


async def test_incr_ttl_is_set_on_creation_and_never_extended(cache: Cache) -> None:
    assert await cache.incr("window", ttl=LONG_TTL) == 1
    assert await cache.incr("window", ttl=10 * LONG_TTL) == 2
    remaining = await cache.ttl("window")
    assert remaining is not None and remaining <= LONG_TTL  # not pushed out to 10x

    await cache.set("untimed", b"5")
    assert await cache.incr("untimed", ttl=LONG_TTL) == 6  # a key without expiry gets one
    assert await cache.ttl("untimed") is not None

    assert await cache.incr("short", ttl=SHORT_TTL) == 1

    async def expired() -> bool:
        return await cache.get("short") is None

    await eventually(expired)
    assert await cache.incr("short", ttl=SHORT_TTL) == 1  # a fresh counter


async def test_incr_on_non_integer(cache: Cache) -> None:
    await cache.set("name", b"not a number")
    with pytest.raises(NotAnIntegerError):
        await cache.incr("name")


async def test_set_if_absent_has_one_winner(cache: Cache) -> None:
    contenders = (cache.set_if_absent("lock:job", f"{i}".encode(), ttl=5) for i in range(50))
    outcomes = await asyncio.gather(*contenders)
    assert outcomes.count(True) == 1
    winner = outcomes.index(True)
    assert await cache.get("lock:job") == f"{winner}".encode()
    assert not await cache.set_if_absent("lock:job", b"late", ttl=5)

    assert await cache.set_if_absent("lock:short", b"a", ttl=SHORT_TTL)

    async def released() -> bool:
        return await cache.set_if_absent("lock:short", b"b", ttl=SHORT_TTL)

    await eventually(released)  # a dead holder's lock expires


async def test_get_many_set_many(cache: Cache) -> None:
    await cache.set_many({"a": b"1", "b": b"2"}, ttl=5)
    assert await cache.get_many(["a", "b", "missing"]) == {"a": b"1", "b": b"2"}
    assert await cache.get_many([]) == {}


async def test_namespaces_are_isolated(cache: Cache) -> None:
    catalog, users = cache.namespaced("catalog"), cache.namespaced("users")
    await catalog.set("k", b"catalog")
    await users.set("k", b"users")
    assert await catalog.get("k") == b"catalog"
    assert await users.get("k") == b"users"
    assert await cache.get("k") is None
    assert await cache.get("catalog:k") == b"catalog"
    assert await catalog.namespaced("v2").incr("n") == 1
    assert await cache.get("catalog:v2:n") == b"1"
    await catalog.delete("k")
    assert await users.get("k") == b"users"
    with pytest.raises(ValueError):
        cache.namespaced("a:b")


async def test_rate_limiter_allows_exactly_limit_per_window(cache: Cache) -> None:
    limiter = RateLimiter(cache)
    window = 1.0  # long enough that the burst below lands in one window even on a loaded machine
    results = await asyncio.gather(*(limiter.hit("ip:1", limit=5, window_seconds=window) for _ in range(8)))
    assert [r.allowed for r in results].count(True) == 5
    assert sorted(r.remaining for r in results) == [0, 0, 0, 0, 1, 2, 3, 4]
    assert all(0 < r.reset_after <= window for r in results)
    refused = await limiter.hit("ip:1", limit=5, window_seconds=window)
    assert not refused.allowed
    assert (await limiter.hit("ip:2", limit=5, window_seconds=window)).allowed  # per-key windows

    async def allowed_again() -> bool:
        return (await limiter.hit("ip:1", limit=5, window_seconds=window)).allowed

    await eventually(allowed_again)


async def test_memory_cache_is_a_bounded_lru() -> None:
    cache = MemoryCache(max_entries=3)
    for key in "abc":
        await cache.set(key, key.encode())
    assert await cache.get("a") == b"a"  # touch: "b" is now least recently used
    await cache.set("d", b"d")
    assert len(cache) == 3
    assert await cache.get("b") is None
    assert await cache.get_many("acd") == {"a": b"a", "c": b"c", "d": b"d"}


async def test_memory_cache_ttl_follows_the_injected_clock() -> None:
    now = [100.0]
    cache = MemoryCache(clock=lambda: now[0])
    await cache.set("k", b"v", ttl=10)
    now[0] += 9.9
    assert await cache.get("k") == b"v"
    now[0] += 0.1
    assert await cache.get("k") is None


async def test_unreachable_redis_raises_cache_unavailable() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cache = RedisCache.from_url(f"redis://127.0.0.1:{port}/0")
    try:
        with pytest.raises(CacheUnavailableError):
            await cache.get("k")
    finally:
        await cache.close()


async def test_build_cache_selects_the_adapter(tmp_path: Path, redis_url: str) -> None:
    memory = build_cache(Settings(data_dir=tmp_path))
    assert isinstance(memory, MemoryCache)
    remote = build_cache(Settings(cache="redis", redis_url=redis_url))
    assert isinstance(remote, RedisCache)
    await remote.close()
