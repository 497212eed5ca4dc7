"""The home page composed at the gateway, on fake upstreams: sections, deadlines, a stopped or
breaker-open service, and a profile that is not the caller's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http import home
from cinemesh.gateway.http.deps import GatewayContext
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.gateway.service import HomeComposer
from cinemesh.gateway.settings import GatewaySettings
from cinemesh.platform.http import create_service_app
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.platform.security import PRINCIPAL_SCOPE_KEY
from cinemesh.platform.tokens import JwksKeySource, SigningKey, TokenIssuer, TokenVerifier

ISSUER = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
PROFILES = {"alice": ["alice-main", "alice-kids"], "bob": ["bob-main"]}
App = Callable[[Scope, Receive, Send], Any]


async def _jwks() -> dict[str, Any]:
    return ISSUER.jwks()


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ISSUER.issue(user_id=user, roles=['viewer'])}"}


def service(answer: Callable[[str, str, dict[str, str]], Any], delay: float = 0.0) -> App:
    """A fake service: answers as the caller the gateway vouched for, 404 for a foreign profile."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(delay)
        principal = scope.get(PRINCIPAL_SCOPE_KEY)
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        user = principal.user_id if principal else ""
        status, body = 200, None
        if "profile_id" in query and query["profile_id"] not in PROFILES.get(user, []):
            status, body = 404, {"type": "profile-not-found"}
        else:
            body = answer(scope["path"], user, query)
            status = 404 if body is None else 200
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    return app


def users(path: str, user: str, query: dict[str, str]) -> Any:
    if path != "/api/v1/me/profiles":
        return None
    return {"items": [{"profile_id": p, "name": p} for p in PROFILES[user]]}


def history(path: str, user: str, query: dict[str, str]) -> Any:
    return {"items": [{"content_id": f"resume-{query['profile_id']}"}]}


def catalog(path: str, user: str, query: dict[str, str]) -> Any:
    if path == "/api/v1/genres":
        return [
            {"genre": "drama", "titles": 3},
            {"genre": "science fiction", "titles": 9},
            {"genre": "empty", "titles": 0},
        ]
    if "genre" in query:
        return {"items": [{"id": f"{query['genre']}-1"}], "next_cursor": None}
    return {"items": [{"id": "newest-1"}, {"id": "newest-2"}], "next_cursor": None}


def discovery(path: str, user: str, query: dict[str, str]) -> Any:
    return {"items": [{"id": "for-you-1"}]}


async def refused(scope: Scope, receive: Receive, send: Send) -> None:
    raise OSError("connection refused")  # the service's process is gone


def gateway(
    overrides: dict[str, App] | None = None, **settings: Any
) -> tuple[httpx.AsyncClient, GatewayProxy]:
    apps: dict[str, App] = {
        "users": service(users),
        "history": service(history),
        "catalog": service(catalog),
        "discovery": service(discovery),
        **(overrides or {}),
    }
    proxy = GatewayProxy(
        routes=RouteTable(
            [
                Route("/api/v1/me", "users"),
                Route("/api/v1/history", "history"),
                Route("/api/v1/titles", "catalog"),
                Route("/api/v1/genres", "catalog"),
                Route("/api/v1/recommendations", "discovery"),
            ]
        ),
        upstreams={
            name: GuardedUpstream(
                app=app,
                breaker=CircuitBreaker(name, failure_threshold=1, reset_timeout=60.0),
                bulkhead=Bulkhead(name, max_concurrent=8),
            )
            for name, app in apps.items()
        },
        verifier=TokenVerifier(JwksKeySource(_jwks)),
        first_byte_timeout=5.0,
        fallback=no_route,
    )
    outer = create_service_app(name="gateway-test", routers=[home.router])
    outer.state.context = GatewayContext(proxy=proxy, home=HomeComposer(proxy, GatewaySettings(**settings)))
    outer.router.routes.append(Mount("", app=proxy))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=outer), base_url="http://gw"), proxy


def ids(page: dict[str, Any]) -> list[str]:
    return [section["id"] for section in page["sections"]]


async def test_every_section_in_one_call() -> None:
    client, _ = gateway()
    async with client:
        answer = await client.get(
            "/api/v1/home", params={"profile_id": "alice-kids"}, headers=bearer("alice")
        )
    assert answer.status_code == 200
    page = answer.json()
    assert ids(page) == [
        "profile",
        "continue-watching",
        "recommendations",
        "new",
        "genre-science fiction",
        "genre-drama",
    ]
    assert page["missing"] == []
    sections = {section["id"]: section for section in page["sections"]}
    assert sections["profile"]["items"] == [{"profile_id": "alice-kids", "name": "alice-kids"}]
    assert sections["continue-watching"]["items"] == [{"content_id": "resume-alice-kids"}]
    assert sections["genre-science fiction"] == {
        "id": "genre-science fiction",
        "title": "Science Fiction",
        "items": [{"id": "science fiction-1"}],
    }


async def test_a_slow_section_is_left_out_at_its_deadline() -> None:
    client, _ = gateway({"history": service(history, delay=3.0)}, home_deadlines={"continue-watching": 0.2})
    async with client:
        started = time.monotonic()
        answer = await client.get(
            "/api/v1/home", params={"profile_id": "alice-main"}, headers=bearer("alice")
        )
        elapsed = time.monotonic() - started
    assert answer.status_code == 200
    assert answer.json()["missing"] == ["continue-watching"]
    assert "new" in ids(answer.json()) and "profile" in ids(answer.json())
    assert elapsed < 2.5  # the page did not wait for the 3 s section


async def test_a_stopped_service_and_an_open_breaker_leave_their_sections_out() -> None:
    client, proxy = gateway({"discovery": refused})
    async with client:
        first = await client.get("/api/v1/home", params={"profile_id": "alice-main"}, headers=bearer("alice"))
        assert first.status_code == 200
        assert first.json()["missing"] == ["recommendations"]
        assert proxy.upstreams["discovery"].breaker.state == "open"  # 502 counted; now it fails fast
        await proxy.upstreams["catalog"].breaker.__aenter__()
        await proxy.upstreams["catalog"].breaker.__aexit__(RuntimeError, RuntimeError("down"), None)
        second = await client.get(
            "/api/v1/home", params={"profile_id": "alice-main"}, headers=bearer("alice")
        )
    assert second.status_code == 200
    assert second.json()["missing"] == ["recommendations", "new", "genres"]
    assert ids(second.json()) == ["profile", "continue-watching"]


async def test_another_accounts_profile_is_a_404_with_nothing_of_it() -> None:
    client, _ = gateway()
    async with client:
        answer = await client.get("/api/v1/home", params={"profile_id": "bob-main"}, headers=bearer("alice"))
        users_down, _ = gateway({"users": refused})
        async with users_down:
            # Without the users service each owner still checks the profile: nothing of Bob's.
            blind = await users_down.get(
                "/api/v1/home", params={"profile_id": "bob-main"}, headers=bearer("alice")
            )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/profile-not-found")
    assert "sections" not in answer.json()
    assert blind.status_code == 200
    assert blind.json()["sections"] == []
    assert "resume-bob-main" not in blind.text


async def test_the_caller_must_sign_in() -> None:
    client, _ = gateway()
    async with client:
        anonymous = await client.get("/api/v1/home", params={"profile_id": "alice-main"})
        forged = await client.get(
            "/api/v1/home", params={"profile_id": "alice-main"}, headers={"Authorization": "Bearer x.y.z"}
        )
    assert anonymous.status_code == 401
    assert forged.status_code == 401


@pytest.mark.parametrize(
    ("value", "status"), [("", 422), ("x" * 65, 422), ("\x00", 422), ("😀", 404), ("a" * 64, 404)]
)
async def test_profile_id_is_checked(value: str, status: int) -> None:
    client, _ = gateway()
    async with client:
        answer = await client.get("/api/v1/home", params={"profile_id": value}, headers=bearer("alice"))
        absent = await client.get("/api/v1/home", headers=bearer("alice"))
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    if status == 422:
        assert answer.json()["errors"][0]["field"] == "profile_id"
    assert absent.status_code == 422


async def test_other_methods_are_405_naming_get() -> None:
    client, _ = gateway()
    async with client:
        for method in ("POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            answer = await client.request(method, "/api/v1/home", params={"profile_id": "alice-main"})
            assert answer.status_code == 405, method
            assert answer.headers["allow"] == "GET"
