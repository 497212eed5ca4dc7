"""CINEMESH_CACHE=redis at the gateway: replicas share ended sessions and the JWKS on real Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from cinemesh.contracts.users import SessionRevokedV1, SessionsEndedV1, UserDeletedV1
from cinemesh.gateway.shared_state import SharedRevocations, shared_jwks_fetcher
from cinemesh.platform.cache import RedisCache
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.tokens import Principal

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def envelope(event: SessionsEndedV1 | SessionRevokedV1 | UserDeletedV1) -> Envelope:
    data = event.model_dump(mode="json")
    return Envelope.new(type=event.event_type, source="cinemesh/users", subject=event.subject, data=data)


def principal(user_id: str, generation: int | None = 1, session: str | None = "s1") -> Principal:
    return Principal(
        user_id=user_id,
        roles=frozenset(),
        token_id="j",
        expires_at=NOW,
        session_generation=generation,
        session_id=session,
    )


async def test_a_replica_refuses_what_another_heard_within_its_recheck(
    redis_url: str, redis_namespace: str
) -> None:
    cache_a, cache_b = RedisCache.from_url(redis_url), RedisCache.from_url(redis_url)
    try:
        clock = Clock()
        heard = SharedRevocations(cache_a.namespaced(redis_namespace), remember_seconds=960)
        behind = SharedRevocations(cache_b.namespaced(redis_namespace), remember_seconds=960, clock=clock)
        alice = principal("alice", session="alice-phone")
        assert not await behind.refuses(alice)
        await heard.record(
            envelope(
                SessionRevokedV1(user_id="alice", session_id="alice-phone", reason="logout", ended_at=NOW)
            )
        )
        assert not await behind.refuses(alice)  # checked less than a second ago
        clock.now += 1.01
        assert await behind.refuses(alice)
        assert not await behind.refuses(principal("alice", session="alice-laptop"))

        await heard.record(
            envelope(SessionsEndedV1(user_id="bob", session_generation=4, reason="x", ended_at=NOW))
        )
        await heard.record(
            envelope(SessionsEndedV1(user_id="bob", session_generation=2, reason="x", ended_at=NOW))
        )
        assert await behind.refuses(principal("bob", generation=3))  # a late, lower generation did not win
        assert await behind.refuses(principal("bob", generation=None))
        assert not await behind.refuses(principal("bob", generation=4))

        await heard.record(envelope(UserDeletedV1(user_id="carol", deleted_at=NOW)))
        assert await behind.refuses(principal("carol", generation=99))
    finally:
        await cache_a.close()
        await cache_b.close()


async def test_an_unreachable_cache_refuses_nothing() -> None:
    cache = RedisCache.from_url("redis://127.0.0.1:1/0")
    try:
        shared = SharedRevocations(cache, remember_seconds=960)
        await shared.record(envelope(UserDeletedV1(user_id="dave", deleted_at=NOW)))
        assert not await shared.refuses(principal("dave"))
    finally:
        await cache.close()


async def test_replicas_share_one_jwks_copy_and_a_stale_one_outlives_a_users_outage(
    redis_url: str, redis_namespace: str
) -> None:
    calls = 0
    users_up = True
    document = {"keys": [{"kid": "k1", "kty": "OKP"}]}

    async def users_jwks() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if not users_up:
            raise OSError("users is down")
        return document

    cache = RedisCache.from_url(redis_url)
    try:
        shared = cache.namespaced(redis_namespace)
        replicas = [
            shared_jwks_fetcher(users_jwks, shared, fresh_seconds=3.0, stale_seconds=30) for _ in range(3)
        ]
        assert [await fetch() for fetch in replicas] == [document] * 3
        assert calls == 1
        await asyncio.sleep(3.2)  # the fresh copy has expired
        users_up = False
        assert await replicas[2]() == document  # the stale copy, since users cannot answer
        assert calls == 2
        await cache.delete(f"{redis_namespace}:gateway-jwks:stale")
        with pytest.raises(OSError):
            await replicas[0]()
    finally:
        await cache.close()
