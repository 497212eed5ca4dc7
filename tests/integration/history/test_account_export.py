"""`GET /api/v1/me/export` with the viewer's history embedded by the gateway (users imports no
history), on the real users and history services in-process behind the real gateway."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from cinemesh.contracts.delivery import PlaybackProgressV1
from cinemesh.contracts.publishing import to_envelope
from cinemesh.gateway import bootstrap as gateway_bootstrap
from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http.export import ExportComposer
from cinemesh.history import bootstrap as history_bootstrap
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings
from cinemesh.users import bootstrap as users_bootstrap

pytestmark = pytest.mark.timeout(120)
EXPORT = "/api/v1/me/export"


@asynccontextmanager
async def platform(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    settings = Settings(data_dir=tmp_path, admin_password="admin-password-for-tests")
    bus = build_event_bus(settings)
    users = users_bootstrap.build_app(settings, bus=bus)
    jwks = gateway_bootstrap.in_process_jwks_fetcher(users)
    history = history_bootstrap.build_app(settings, bus=bus, jwks_fetcher=jwks)
    gateway = gateway_bootstrap.build_app(
        settings, service_apps={"users": users, "history": history}, bus=bus
    )
    transport = httpx.ASGITransport(app=gateway)
    async with (
        bus,
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=30) as client,
    ):
        yield client, history


async def account(client: httpx.AsyncClient) -> tuple[str, dict[str, str], str]:
    suffix = uuid.uuid4().hex[:10]
    password = "correct horse battery"
    body = {"email": f"x-{suffix}@example.com", "username": f"x_{suffix}", "password": password}
    body["country"] = "US"
    registered = await client.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    login = await client.post(
        "/api/v1/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    profiles = (await client.get("/api/v1/me/profiles", headers=auth)).json()["items"]
    main = next(p["profile_id"] for p in profiles if p["is_main"])
    for _ in range(100):  # history learns the profile from users' event, asynchronously
        known = await client.get(
            "/api/v1/history/continue-watching", params={"profile_id": main}, headers=auth
        )
        if known.status_code == 200:
            break
        await asyncio.sleep(0.1)
    return registered.json()["user_id"], auth, main


async def report(history: FastAPI, user_id: str, profile_id: str, content_id: str, position: float) -> None:
    event = PlaybackProgressV1(
        session_id=str(uuid.uuid4()), user_id=user_id, profile_id=profile_id, device_id=str(uuid.uuid4()),
        content_id=content_id, title_id=content_id, content_type="movie", video_id=content_id,
        position_seconds=position, duration_seconds=1000.0, trailer=False, sequence=1,
        reported_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    runtime = history.state.runtime
    async with runtime.database.transaction() as session:
        await runtime.subscriptions[0].handler(session, to_envelope(event, source="tests"))


async def test_the_export_embeds_the_accounts_history_only(tmp_path: Path) -> None:
    async with platform(tmp_path) as (client, history):
        user_id, auth, main = await account(client)
        other_id, _, other_main = await account(client)
        movie, secret = str(uuid.uuid4()), str(uuid.uuid4())
        await report(history, user_id, main, movie, 420.0)
        await report(history, other_id, other_main, secret, 300.0)

        response = await client.get(EXPORT, headers=auth)
        assert response.status_code == 200, response.text
        assert "attachment" in response.headers["content-disposition"]
        export = response.json()
        assert export["account"]["user_id"] == user_id and export["format"] == "cinemesh.users.export.v1"
        part = export["history"]
        assert part["format"] == "cinemesh.history.export.v1"
        [profile] = [p for p in part["profiles"] if p["profile_id"] == main]
        assert profile["paused"] is False and profile["watch_history_included"] is True
        assert [(i["content_id"], i["position_seconds"]) for i in profile["items"]] == [(movie, 420.0)]
        assert secret not in response.text and other_main not in response.text
        assert int(response.headers["content-length"]) == len(response.content)

        # history's own route answers the same part; without a token both refuse.
        own = await client.get("/api/v1/history/export", headers=auth)
        assert own.status_code == 200 and own.json()["profiles"] == part["profiles"]
        assert (await client.get(EXPORT)).status_code == 401
        assert (await client.get("/api/v1/history/export")).status_code == 401
        # Other methods and paths pass through the composer untouched.
        assert (await client.get("/api/v1/me", headers=auth)).json()["user_id"] == user_id


def stub(status: int, body: bytes) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    return app


def composer(history_status: int, *, routed: bool = True) -> httpx.AsyncClient:
    parts = {
        "users": stub(200, b'{"account": {"user_id": "u"}}'),
        "history": stub(history_status, b'{"p": 1}'),
    }

    async def proxy(scope: Scope, receive: Receive, send: Send) -> None:
        await parts["history" if scope["path"].startswith("/api/v1/history") else "users"](
            scope, receive, send
        )

    routes = [Route("/api/v1/me", "users")] + ([Route("/api/v1/history", "history")] if routed else [])
    app = ExportComposer(proxy, RouteTable(routes))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


async def test_a_failing_part_is_a_503_and_an_unrouted_one_is_left_out() -> None:
    async with composer(500) as client:
        failed = await client.get(EXPORT)
    assert failed.status_code == 503 and failed.headers["retry-after"] == "5"
    assert failed.json()["type"].endswith("export-incomplete") and failed.json()["part"] == "history"
    async with composer(500, routed=False) as client:
        alone = await client.get(EXPORT)
    assert alone.status_code == 200 and alone.json() == {"account": {"user_id": "u"}}
    async with composer(200) as client:
        assert (await client.get(EXPORT)).json()["history"] == {"p": 1}
        assert (await client.post(EXPORT)).json() == {"account": {"user_id": "u"}}  # not composed
