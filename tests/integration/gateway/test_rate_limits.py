"""Rate limits on real Redis, shared by two gateway replicas (each with its own connection pool),
as `cinemesh serve gateway` runs them behind a load balancer."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from cinemesh.gateway.bootstrap import build_app
from cinemesh.gateway.domain import DEFAULT_ROUTES, Route, RouteTable
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.gateway.http.proxy.ratelimit import GatewayLimits
from cinemesh.gateway.settings import GatewaySettings
from cinemesh.platform.cache import RedisCache
from cinemesh.platform.client_address import TrustedProxies
from cinemesh.platform.http import create_service_app
from cinemesh.platform.ratelimit import RedisTokenBuckets
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksKeySource, SigningKey, TokenIssuer, TokenVerifier

ISSUER = TokenIssuer([SigningKey.generate()], ttl_seconds=300)
EDGE = "10.9.0.1"  # the trusted proxy in front of the replicas


def bearer(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ISSUER.issue(user_id=user_id, roles=['viewer'])}"}


async def _jwks() -> dict[str, Any]:
    return ISSUER.jwks()


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    seen = [(k, v) for k, v in scope["headers"] if k == b"x-cinemesh-client"]
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send(
        {"type": "http.response.start", "status": 200, "headers": [*seen, (b"x-got", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


@asynccontextmanager
async def replicas(
    redis_url: str, prefix: str, settings: GatewaySettings, *peers: str
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One gateway per peer address, each its own proxy, Redis pool and limiter, and a client
    of it connecting from that address."""
    async with AsyncExitStack() as stack:
        clients = []
        for n, peer in enumerate(peers):
            cache = RedisCache.from_url(redis_url)
            stack.push_async_callback(cache.close)
            proxy = GatewayProxy(
                routes=RouteTable([Route("/api/v1", "echo")]),
                upstreams={
                    "echo": GuardedUpstream(
                        app=echo,
                        breaker=CircuitBreaker(f"echo{n}", failure_threshold=5, reset_timeout=30.0),
                        bulkhead=Bulkhead(f"echo{n}", max_concurrent=64, max_queue=256),
                    )
                },
                verifier=TokenVerifier(JwksKeySource(_jwks)),
                first_byte_timeout=5.0,
                fallback=no_route,
                # A long store timeout: on a loaded machine the 2 s default could admit (fail open)
                # and blur what these tests count.
                limits=GatewayLimits(settings, RedisTokenBuckets(cache, prefix=prefix), timeout=30.0),
                trusted_proxies=TrustedProxies([f"{EDGE}/32"]),
            )
            outer = create_service_app(name=f"gateway-{n}")
            outer.router.routes.append(Mount("", app=proxy))
            transport = httpx.ASGITransport(app=outer, client=(peer, 40000))
            clients.append(
                await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://gw"))
            )
        yield clients


def assert_rate_limit(field: str, expected: list[tuple[str, int, int]]) -> None:
    """The RateLimit field is `"name";r=R;t=T, ...` with these names and remaining units, and
    each `t` what it would be at once, less at most 2 s spent by the test on a loaded machine."""
    found = re.fullmatch(r'"[\w-]+";r=\d+;t=\d+(, "[\w-]+";r=\d+;t=\d+)*', field)
    assert found, field
    items = [re.fullmatch(r'"([\w-]+)";r=(\d+);t=(\d+)', item) for item in field.split(", ")]
    parsed = [(m.group(1), int(m.group(2)), int(m.group(3))) for m in items if m]
    assert [(name, r) for name, r, _ in parsed] == [(name, r) for name, r, _ in expected], field
    for (_, _, t), (_, _, want) in zip(parsed, expected, strict=True):
        assert want - 2 <= t <= want, field


async def test_two_replicas_admit_the_budget_once_in_total(redis_url: str, redis_namespace: str) -> None:
    settings = GatewaySettings(read_per_user=30, read_per_ip=1000, rate_window_seconds=3600)
    async with replicas(redis_url, redis_namespace, settings, "203.0.113.5", "203.0.113.5") as (a, b):
        auth = bearer("user-1")
        # 80 concurrent reads, alternating replicas: exactly the 30 of the bucket get through.
        answers = await asyncio.gather(
            *((a if n % 2 else b).get("/api/v1/titles", headers=auth) for n in range(80))
        )
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 30
    assert statuses.count(429) == 50
    admitted_by = {id(answer.request) for answer in answers if answer.status_code == 200}
    assert len(admitted_by) == 30


async def test_headers_and_the_429_problem(redis_url: str, redis_namespace: str) -> None:
    settings = GatewaySettings(read_per_user=3, read_per_ip=10, rate_window_seconds=60)
    async with replicas(redis_url, redis_namespace, settings, "203.0.113.6", "203.0.113.6") as (a, b):
        auth = bearer("user-2")
        first = await a.get("/api/v1/titles", headers=auth)
        assert first.status_code == 200
        assert first.headers["RateLimit-Policy"] == '"read-user";q=3;w=60, "read-ip";q=10;w=60'
        assert_rate_limit(first.headers["RateLimit"], [("read-user", 2, 20), ("read-ip", 9, 6)])
        second = await b.get("/api/v1/titles", headers=auth)
        assert_rate_limit(second.headers["RateLimit"], [("read-user", 1, 40), ("read-ip", 8, 12)])
        await a.get("/api/v1/titles", headers=auth)
        refused = await b.get("/api/v1/titles", headers=auth)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["status"] == 429
    assert body["type"].endswith("/rate-limited")
    assert "read-user" in body["detail"]
    # One of 3 units per 60 s comes back in 20 s (less what the four requests took).
    assert 18 <= int(refused.headers["Retry-After"]) <= 20
    assert refused.headers["RateLimit-Policy"] == '"read-user";q=3;w=60, "read-ip";q=10;w=60'
    assert_rate_limit(refused.headers["RateLimit"], [("read-user", 0, 60), ("read-ip", 7, 18)])


async def test_a_burst_from_one_address_does_not_limit_another_user(
    redis_url: str, redis_namespace: str
) -> None:
    settings = GatewaySettings(auth_per_ip=5, read_per_user=100, read_per_ip=20, rate_window_seconds=3600)
    # Both replicas sit behind the edge, which names the client in X-Forwarded-For.
    async with replicas(redis_url, redis_namespace, settings, EDGE, EDGE) as (a, b):
        attacker = {"X-Forwarded-For": "198.51.100.66"}
        burst = await asyncio.gather(
            *((a if n % 2 else b).post("/api/v1/auth/login", json={}, headers=attacker) for n in range(12))
        )
        assert [r.status_code for r in burst].count(429) == 7
        reads = [await a.get("/api/v1/titles", headers={**attacker, **bearer("attacker")}) for _ in range(21)]
        assert reads[-1].status_code == 429  # its address's read bucket, across its users
        # Another user on another address: untouched by the burst.
        victim = {"X-Forwarded-For": "198.51.100.77"}
        login = await b.post("/api/v1/auth/login", json={}, headers=victim)
        read = await a.get("/api/v1/titles", headers={**victim, **bearer("victim")})
        # A client writing its own X-Forwarded-For in front of the edge's gains nothing.
        spoofed = await a.post(
            "/api/v1/auth/login", json={}, headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.66"}
        )
    assert login.status_code == 200
    assert_rate_limit(login.headers["RateLimit"], [("auth-ip", 4, 720)])
    assert read.status_code == 200
    assert read.headers["x-cinemesh-client"] == "198.51.100.77"  # what the services' throttles count
    assert spoofed.status_code == 429


async def test_uploads_are_counted_in_bytes(redis_url: str, redis_namespace: str) -> None:
    settings = GatewaySettings(upload_bytes_per_user=10_000, upload_window_seconds=3600)
    async with replicas(redis_url, redis_namespace, settings, "203.0.113.8", "203.0.113.8") as (a, b):
        auth = {**bearer("uploader"), "Content-Type": "application/offset+octet-stream"}
        first = await a.patch("/api/v1/uploads/x", content=b"x" * 6000, headers=auth)
        # 6000 of 10,000 bytes taken; a byte comes back every 0.36 s.
        remaining = re.match(r'"upload-user";r=(\d+);', first.headers["RateLimit"])
        assert remaining and 4000 <= int(remaining.group(1)) <= 4010, first.headers["RateLimit"]
        assert 'qu="content-bytes"' in first.headers["RateLimit-Policy"]
        too_big = await b.patch("/api/v1/uploads/x", content=b"x" * 6000, headers=auth)
        assert too_big.status_code == 429
        # A body of unknown length is charged as it passes: the bucket is then in debt.

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(3):
                yield b"y" * 2000

        streamed = await a.patch("/api/v1/uploads/x", content=chunks(), headers=auth)
        assert streamed.status_code == 200
        assert streamed.headers["x-got"] == "6000"
        after = await b.patch("/api/v1/uploads/x", content=b"z", headers=auth)
    assert after.status_code == 429


async def test_an_unreachable_redis_admits_quickly(redis_namespace: str) -> None:
    settings = GatewaySettings(read_per_user=1, read_per_ip=1)
    async with replicas("redis://127.0.0.1:1/0", redis_namespace, settings, "203.0.113.9") as (a,):
        started = time.monotonic()
        answers = [await a.get("/api/v1/titles") for _ in range(20)]
        elapsed = time.monotonic() - started
    assert {answer.status_code for answer in answers} == {200}
    assert "RateLimit" not in answers[0].headers
    assert elapsed < 5.0  # the limiter's breaker opened: no timeout per request


def test_cache_redis_shares_the_gateways_state_on_redis(tmp_path: Path, redis_url: str) -> None:
    upstreams = {route.upstream: "http://127.0.0.1:9" for route in DEFAULT_ROUTES}
    on_redis = build_app(Settings(cache="redis", data_dir=tmp_path, upstreams=upstreams, redis_url=redis_url))
    assert isinstance(on_redis.state.context.proxy.limits.buckets, RedisTokenBuckets)
    assert on_redis.state.context.proxy.shared_revocations is not None  # replicas share ended sessions
    in_process = build_app(Settings(cache="memory", data_dir=tmp_path, upstreams=upstreams))
    assert not isinstance(in_process.state.context.proxy.limits.buckets, RedisTokenBuckets)
    assert in_process.state.context.proxy.shared_revocations is None
    unlimited = GatewaySettings(rate_limiting=False)
    off = build_app(Settings(data_dir=tmp_path, upstreams=upstreams), gateway_settings=unlimited)
    assert off.state.context.proxy.limits is None


@pytest.mark.parametrize("value", ["\x00", "x" * 10_000, "😀", "1.2.3.4\x00"])
async def test_hostile_forwarded_for_values(redis_url: str, redis_namespace: str, value: str) -> None:
    settings = GatewaySettings(read_per_ip=5)
    async with replicas(redis_url, redis_namespace, settings, EDGE) as (a,):
        answer = await a.get("/api/v1/titles", headers=[(b"x-forwarded-for", value.encode("utf-8"))])
    assert answer.status_code == 200
    assert answer.headers["x-cinemesh-client"] == EDGE
