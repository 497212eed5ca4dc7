"""Hostile text on every string field of the users routes, on SQLite and on PostgreSQL.

U+0000 was a 500 on PostgreSQL (asyncpg refuses it) and a lone surrogate a 500 on both; five
such anonymous logins opened the gateway's breaker for users. Each must be a 422 naming the
field, huge strings a 422 or 413, real Unicode accepted; and the breaker in front stays closed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Mount

from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.platform.http import create_service_app
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker, CircuitState
from tests.integration.users.harness import PASSWORD, Harness, User, assert_problem, running_users

NUL = "a\u0000b"
LONE_SURROGATE = "a\ud800b"
UNICODE = "Zoë 日本 🎬 مرحبا"


@pytest.fixture(params=["sqlite", "postgres"])
async def users(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[Harness]:
    settings = {"database_url": postgres_url_factory("users")} if request.param == "postgres" else None
    async with running_users(tmp_path, settings=settings) as harness:
        yield harness


def _json(body: dict[str, Any]) -> dict[str, Any]:
    # json.dumps escapes to ASCII (\u0000, \ud800) as a client would; httpx's json= writes raw
    # UTF-8, which cannot carry a lone surrogate at all.
    return {"content": json.dumps(body), "headers": {"content-type": "application/json"}}


# (method, path, body with FIELD where the hostile text goes, field name, needs a token)
ROUTES: list[tuple[str, str, dict[str, Any], str, bool]] = [
    ("POST", "/api/v1/auth/login", {"email": "FIELD", "password": PASSWORD}, "email", False),
    ("POST", "/api/v1/auth/login", {"email": "x@example.com", "password": "FIELD"}, "password", False),
    (
        "POST",
        "/api/v1/auth/register",
        {"email": "n@example.com", "username": "nobody", "password": "FIELD", "country": "DE"},
        "password",
        False,
    ),
    ("POST", "/api/v1/auth/refresh", {"refresh_token": "FIELD"}, "refresh_token", False),
    ("POST", "/api/v1/auth/logout", {"refresh_token": "FIELD"}, "refresh_token", False),
    ("POST", "/api/v1/auth/password-reset", {"email": "FIELD"}, "email", False),
    ("POST", "/api/v1/auth/verify-email", {"token": "FIELD" + "x" * 20}, "token", False),
    (
        "POST",
        "/api/v1/auth/password-reset/confirm",
        {"token": "FIELD" + "x" * 20, "new_password": PASSWORD},
        "token",
        False,
    ),
    ("PATCH", "/api/v1/me", {"first_name": "FIELD"}, "first_name", True),
    ("POST", "/api/v1/me/profiles", {"name": "FIELD"}, "name", True),
    ("POST", "/api/v1/me/devices", {"device_type": "tv", "device_name": "FIELD"}, "device_name", True),
    (
        "POST",
        "/api/v1/me/password",
        {"current_password": "FIELD", "new_password": PASSWORD},
        "current_password",
        True,
    ),
]


def _fill(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        key: value.replace("FIELD", text) if isinstance(value, str) else value for key, value in body.items()
    }


async def _send(
    users: Harness, user: User, route: tuple[str, str, dict[str, Any], str, bool], text: str
) -> httpx.Response:
    method, path, body, _, signed_in = route
    headers = {"content-type": "application/json", **(user.auth if signed_in else {})}
    return await users.client.request(method, path, content=json.dumps(_fill(body, text)), headers=headers)


@pytest.mark.parametrize("text", [NUL, LONE_SURROGATE], ids=["nul", "lone-surrogate"])
async def test_unstorable_text_is_a_422_naming_the_field_on_every_route(users: Harness, text: str) -> None:
    user = await users.register()
    for route in ROUTES:
        response = await _send(users, user, route, text)
        assert_problem(response, 422, field=route[3])
    # Nothing was written: the account still reads back as before, its password unchanged.
    document = await users.me(user)
    assert "first_name" not in document.get("personal_info", {})
    assert len(document["profiles"]) == 1
    await users.login(user.email)


async def test_query_and_path_text_is_checked_too(users: Harness) -> None:
    user = await users.register()
    response = await users.client.get("/api/v1/auth/verify-email", params={"token": "x" * 20 + "\u0000"})
    assert_problem(response, 422, field="token")
    response = await users.client.delete("/api/v1/me/devices/a%00b", headers=user.auth)
    assert_problem(response, 422, field="path")


async def test_huge_strings_are_refused_and_real_unicode_is_kept(users: Harness) -> None:
    user = await users.register()
    for route in ROUTES:
        response = await _send(users, user, route, "x" * 100_000)
        assert response.status_code in (413, 422), (route, response.text)
    response = await users.client.patch("/api/v1/me", headers=user.auth, json={"first_name": UNICODE})
    assert response.status_code == 200, response.text
    response = await users.client.post("/api/v1/me/profiles", headers=user.auth, json={"name": "🎬 日本"})
    assert response.status_code == 201, response.text
    document = await users.me(user)
    assert document["personal_info"]["first_name"] == UNICODE
    assert {profile["name"] for profile in document["profiles"]} >= {"🎬 日本"}
    unknown = await users.client.post(
        "/api/v1/auth/login", json={"email": f"{UNICODE}@例え.jp", "password": UNICODE}
    )
    assert_problem(unknown, 401)


async def test_hostile_logins_do_not_open_the_gateways_breaker(users: Harness) -> None:
    user = await users.register()
    breaker = CircuitBreaker("users", failure_threshold=5, reset_timeout=10.0)
    proxy = GatewayProxy(
        routes=RouteTable([Route("/api/v1/auth", "users"), Route("/api/v1/me", "users")]),
        upstreams={
            "users": GuardedUpstream(
                app=users.app, breaker=breaker, bulkhead=Bulkhead("users", max_concurrent=8)
            )
        },
        verifier=users.app.state.token_verifier,
        first_byte_timeout=5.0,
        fallback=no_route,
    )
    outer = create_service_app(name="gateway-test")
    outer.router.routes.append(Mount("", app=proxy))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=outer), base_url="http://gw") as gateway:
        for number, text in enumerate((NUL, LONE_SURROGATE) * 5):
            body = {"email": f"{text}@example.com", "password": text}
            response = await gateway.post("/api/v1/auth/login", **_json(body))
            assert_problem(response, 422, field="email")
            wrong = await gateway.post(
                "/api/v1/auth/login", json={"email": f"nobody{number}@example.com", "password": "wrong"}
            )
            assert_problem(wrong, 401)
        assert breaker.state is CircuitState.CLOSED
        assert breaker.failure_count == 0
        me = await gateway.get("/api/v1/me", headers=user.auth)
        assert me.status_code == 200, me.text
