"""The gateway's guards: authentication up front, a breaker and a bulkhead per upstream,
time-to-first-byte timeouts, the strangler-fig split and streaming pass-through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.platform.http import create_service_app
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.platform.security import PRINCIPAL_SCOPE_KEY
from cinemesh.platform.tokens import JwksKeySource, SigningKey, TokenIssuer, TokenVerifier

ISSUER = TokenIssuer([SigningKey.generate()], ttl_seconds=60)


async def _jwks() -> dict[str, Any]:
    return ISSUER.jwks()


def echo_upstream(name: str, seen: list[Scope] | None = None) -> Callable[[Scope, Receive, Send], Any]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if seen is not None:
            seen.append(scope)
        principal = scope.get(PRINCIPAL_SCOPE_KEY)
        body = f"{name}:{principal.user_id if principal else 'anonymous'}".encode()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": body})

    return app


def failing_upstream(status: int) -> Callable[[Scope, Receive, Send], Any]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"down"})

    return app


def gateway(
    upstreams: dict[str, Callable[[Scope, Receive, Send], Any]],
    routes: list[Route],
    *,
    max_concurrent: int = 8,
    first_byte_timeout: float = 2.0,
) -> tuple[httpx.AsyncClient, dict[str, GuardedUpstream]]:
    guarded = {
        name: GuardedUpstream(
            app=app,
            breaker=CircuitBreaker(name, failure_threshold=3, reset_timeout=30.0),
            bulkhead=Bulkhead(name, max_concurrent=max_concurrent),
        )
        for name, app in upstreams.items()
    }
    proxy = GatewayProxy(
        routes=RouteTable(routes),
        upstreams=guarded,
        verifier=TokenVerifier(JwksKeySource(_jwks)),
        first_byte_timeout=first_byte_timeout,
        fallback=no_route,
    )
    outer = create_service_app(name="gateway-test")
    outer.router.routes.append(Mount("", app=proxy))
    transport = httpx.ASGITransport(app=outer)
    return httpx.AsyncClient(transport=transport, base_url="http://gw"), guarded


async def test_routes_and_passes_the_verified_principal() -> None:
    seen: list[Scope] = []
    client, _ = gateway({"users": echo_upstream("users", seen)}, [Route("/api/v1/me", "users")])
    token = ISSUER.issue(user_id="u-42", roles=["viewer"])
    response = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token}", "X-Request-Id": "r-1"}
    )
    assert response.text == "users:u-42"
    assert (b"x-request-id", b"r-1") in seen[0]["headers"]
    assert (await client.get("/api/v1/me")).text == "users:anonymous"


async def test_a_proxied_response_carries_one_request_id() -> None:
    # The upstream is a service app like every other: it stamps the id the gateway sent it, and the
    # gateway's own middleware stamps it again on the way out; the client must see it once.
    service = create_service_app(name="users-test")
    service.router.routes.append(Mount("", app=echo_upstream("users")))
    client, _ = gateway({"users": service}, [Route("/api/v1/me", "users")])
    response = await client.get("/api/v1/me", headers={"X-Request-Id": "r-7"})
    assert response.status_code == 200
    assert response.headers.get_list("x-request-id") == ["r-7"]
    fresh = await client.get("/api/v1/me")
    assert len(fresh.headers.get_list("x-request-id")) == 1


async def test_the_client_address_is_the_one_the_gateway_saw_never_the_clients_claim() -> None:
    seen: list[Scope] = []
    client, _ = gateway({"users": echo_upstream("users", seen)}, [Route("/api/v1/auth", "users")])
    await client.post("/api/v1/auth/login", headers={"X-Cinemesh-Client": "10.9.9.9"})
    addresses = [value for key, value in seen[0]["headers"] if key == b"x-cinemesh-client"]
    assert addresses == [b"127.0.0.1"]  # httpx's ASGI transport is the peer


async def test_bad_token_is_refused_before_the_upstream() -> None:
    seen: list[Scope] = []
    client, _ = gateway({"users": echo_upstream("users", seen)}, [Route("/api/v1/me", "users")])
    response = await client.get("/api/v1/me", headers={"Authorization": "Bearer forged.token.here"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert seen == []


async def test_breaker_opens_after_repeated_5xx_and_fails_fast() -> None:
    client, guarded = gateway({"catalog": failing_upstream(503)}, [Route("/api/v1/titles", "catalog")])
    for _ in range(3):
        assert (await client.get("/api/v1/titles")).status_code == 503  # relayed from upstream
    fast = await client.get("/api/v1/titles")
    assert fast.status_code == 503
    assert fast.json()["type"].endswith("/upstream-unavailable")
    assert fast.headers["retry-after"] == "5"
    assert guarded["catalog"].breaker.state == "open"


async def test_client_errors_do_not_open_the_breaker() -> None:
    client, guarded = gateway({"catalog": failing_upstream(404)}, [Route("/api/v1/titles", "catalog")])
    for _ in range(6):
        assert (await client.get("/api/v1/titles")).status_code == 404
    assert guarded["catalog"].breaker.state == "closed"


async def test_bulkhead_keeps_a_slow_upstream_from_taking_all_capacity() -> None:
    release = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await release.wait()
        await echo_upstream("slow")(scope, receive, send)

    client, _ = gateway(
        {"search": slow, "users": echo_upstream("users")},
        [Route("/api/v1/search", "search"), Route("/api/v1/me", "users")],
        max_concurrent=2,
        first_byte_timeout=5.0,
    )
    pending = [asyncio.create_task(client.get("/api/v1/search")) for _ in range(2)]
    await asyncio.sleep(0.05)
    rejected = await client.get("/api/v1/search")
    assert rejected.status_code == 503 and rejected.json()["type"].endswith("/upstream-busy")
    assert (await client.get("/api/v1/me")).status_code == 200  # the other upstream is unaffected
    release.set()
    assert [task.status_code for task in await asyncio.gather(*pending)] == [200, 200]


async def test_upstream_silent_past_the_deadline_is_504() -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(30)

    client, _ = gateway({"media": silent}, [Route("/api/v1/videos", "media")], first_byte_timeout=0.2)
    response = await client.get("/api/v1/videos/1")
    assert response.status_code == 504
    assert response.json()["type"].endswith("/upstream-timeout")


async def test_strangler_share_goes_to_the_legacy_upstream_per_caller() -> None:
    client, _ = gateway(
        {"discovery": echo_upstream("new"), "legacy": echo_upstream("legacy")},
        [Route("/api/v1/search", "discovery", split_upstream="legacy", split_share=0.5)],
    )
    answers = set()
    for index in range(40):
        token = ISSUER.issue(user_id=f"user-{index}", roles=[])
        first = (await client.get("/api/v1/search", headers={"Authorization": f"Bearer {token}"})).text
        again = (await client.get("/api/v1/search", headers={"Authorization": f"Bearer {token}"})).text
        assert first == again  # sticky per caller
        answers.add(first.split(":")[0])
    assert answers == {"new", "legacy"}


async def test_unknown_path_is_a_404_problem() -> None:
    client, _ = gateway({"users": echo_upstream("users")}, [Route("/api/v1/me", "users")])
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/no-route")


def test_routes_to_unconfigured_upstreams_are_refused_at_build() -> None:
    with pytest.raises(ValueError, match="not configured"):
        gateway({}, [Route("/api/v1/me", "users")])
