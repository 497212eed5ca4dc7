"""The home page on the real services, in one process (`cinemesh up`'s composition): with
discovery stopped and history slowed past its deadline it is still a 200 with the other sections,
the missing ones named; and one account cannot read another's profile through it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from cinemesh.composition import build_platform
from cinemesh.platform.settings import Settings

pytestmark = [pytest.mark.timeout(180)]


@pytest.fixture
async def gateway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    # History's deadline is short (it is slowed past it); the others allow for a loaded machine.
    deadlines = '{"continue-watching": 3, "profile": 10, "new": 10, "genres": 10}'
    monkeypatch.setenv("CINEMESH_GATEWAY_HOME_DEADLINES", deadlines)
    monkeypatch.setenv("CINEMESH_WEB_DEMO", "false")
    app = build_platform(Settings(data_dir=tmp_path, admin_password="admin-password-for-tests"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=30) as client:
            yield client, app.state.context.proxy


async def account(client: httpx.AsyncClient) -> tuple[dict[str, str], str]:
    suffix = uuid.uuid4().hex[:10]
    body = {
        "email": f"home-{suffix}@example.com",
        "username": f"home_{suffix}",
        "password": "correct horse battery",
    }
    assert (await client.post("/api/v1/auth/register", json={**body, "country": "US"})).status_code == 201
    login = await client.post(
        "/api/v1/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    profiles = (await client.get("/api/v1/me/profiles", headers=auth)).json()["items"]
    profile_id = profiles[0]["profile_id"]
    # History learns of the profile from the users service's event: wait until it has.
    for _ in range(100):
        url = "/api/v1/history/continue-watching"
        if (await client.get(url, params={"profile_id": profile_id}, headers=auth)).status_code == 200:
            break
        await asyncio.sleep(0.1)
    return auth, profile_id


async def test_home_without_discovery_and_with_history_late(gateway: tuple[httpx.AsyncClient, Any]) -> None:
    client, proxy = gateway
    auth, profile_id = await account(client)
    whole = await client.get("/api/v1/home", params={"profile_id": profile_id}, headers=auth)
    assert whole.status_code == 200, whole.text
    sections = {section["id"] for section in whole.json()["sections"]}
    assert {"profile", "continue-watching", "new"} <= sections
    # Discovery serves no recommendations yet: the section is named, never an error (once it
    # does, the section is there).
    assert "recommendations" in sections | set(whole.json()["missing"])

    history_app = proxy.upstreams["history"].app

    async def slow_history(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(8.0)  # past its 3 s deadline
        await history_app(scope, receive, send)

    async def discovery_stopped(scope: Scope, receive: Receive, send: Send) -> None:
        raise OSError("connection refused")

    proxy.upstreams["history"].app = slow_history
    proxy.upstreams["discovery"].app = discovery_stopped
    degraded = await client.get("/api/v1/home", params={"profile_id": profile_id}, headers=auth)
    assert degraded.status_code == 200, degraded.text
    page = degraded.json()
    assert set(page["missing"]) == {"continue-watching", "recommendations"}
    by_id = {section["id"]: section for section in page["sections"]}
    assert by_id["profile"]["items"][0]["profile_id"] == profile_id
    assert "new" in by_id


async def test_no_home_of_another_account(gateway: tuple[httpx.AsyncClient, Any]) -> None:
    client, proxy = gateway
    (alice, _), (_, bobs_profile) = await account(client), await account(client)
    answer = await client.get("/api/v1/home", params={"profile_id": bobs_profile}, headers=alice)
    assert answer.status_code == 404
    assert answer.json()["type"].endswith("/profile-not-found")

    async def users_stopped(scope: Scope, receive: Receive, send: Send) -> None:
        raise OSError("connection refused")

    # Without the users service to say whose profile it is, each owner refuses it itself.
    proxy.upstreams["users"].app = users_stopped
    blind = await client.get("/api/v1/home", params={"profile_id": bobs_profile}, headers=alice)
    assert blind.status_code == 200
    assert blind.json()["sections"] == []
    assert set(blind.json()["missing"]) >= {"profile", "continue-watching", "new"}
