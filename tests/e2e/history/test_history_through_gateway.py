"""Viewing history in the whole platform, both shapes: the heartbeat of a real playback session
(through the gateway) becomes the profile's resume point via delivery's event, a second
device's stream (SSE through the gateway's relay) sees it within 2 s, another account and the
kids profile see nothing, and deleting the account erases the history. The users service emits
the profiles history projects; the title, video, device and plan are published here."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from cinemesh.contracts.catalog import AvailabilityWindow, TitlePublishedV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.users import DeviceChangedV1, SubscriptionChangedV1
from cinemesh.history.store import progress
from cinemesh.platform.db import Database
from tests.e2e.delivery.test_playback_through_gateway import platform_settings, publish
from tests.fixtures.cmaf import generate
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform"), pytest.mark.timeout(240)]
DURATION = 100.0  # what the published video says: 50 s is half of it


async def account(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    body = {
        "email": f"h-{suffix}@example.com",
        "username": f"h_{suffix}",
        "password": "correct horse battery",
        "country": "US",
    }
    registered = await client.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    login = await client.post(
        "/api/v1/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    return registered.json()["user_id"], {"Authorization": f"Bearer {login.json()['access_token']}"}


async def wait_ok(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """The history projection of a new profile catches up asynchronously."""
    response = None
    for _ in range(150):
        response = await client.get(url, **kwargs)
        if response.status_code == 200:
            return response
        await asyncio.sleep(0.1)
    assert response is not None
    raise AssertionError(response.text)


async def follow(
    client: httpx.AsyncClient, auth: dict[str, str], profile_id: str, seen: list[dict[str, Any]]
) -> None:
    async with client.stream(
        "GET", "/api/v1/history/stream", params={"profile_id": profile_id}, headers=auth, timeout=None
    ) as response:
        assert response.status_code == 200
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                seen.append(
                    {
                        "event": event,
                        "data": orjson.loads(line.removeprefix("data: ")),
                        "at": time.monotonic(),
                    }
                )


async def publish_title(platform: RunningPlatform, tmp_path: Path, user_id: str, device_id: str) -> str:
    video_id, content_id = str(uuid.uuid4()), str(uuid.uuid4())
    video = generate(tmp_path / "cmaf", video_id=video_id, title_id=content_id)
    video.install(Path(platform.env["CINEMESH_DATA_DIR"]) / "objects" / "data")
    now = dt.datetime.now(dt.UTC)
    events: list[EventContract] = [
        video.event.model_copy(update={"duration_seconds": DURATION}),
        TitlePublishedV1(
            title_id=content_id, content_id=content_id, content_type="movie", maturity_rating="PG",
            video_id=video_id, published_at=now,
            windows=[AvailabilityWindow(country="US", starts_at=now - dt.timedelta(days=1))],
        ),
        DeviceChangedV1(
            user_id=user_id, device_id=device_id, change="registered", device_type="web", changed_at=now
        ),
        SubscriptionChangedV1(user_id=user_id, tier="standard", status="active", changed_at=now),
    ]  # fmt: skip
    with platform_settings(platform) as settings:
        await publish(settings, events)
    return content_id


async def start_session(client: httpx.AsyncClient, auth: dict[str, str], body: dict[str, str]) -> str:
    started = None
    for _ in range(150):  # delivery's projections catch up asynchronously
        started = await client.post("/api/v1/playback", json=body, headers=auth)
        if started.status_code == 201:
            return str(started.json()["session_id"])
        await asyncio.sleep(0.2)
    raise AssertionError(started.text if started else None)


async def history_rows_of(platform: RunningPlatform, user_id: str) -> int:
    with platform_settings(platform) as settings:
        database = Database.for_service(settings, "history")
    try:
        async with database.session() as session:
            count = await session.scalar(
                select(func.count()).select_from(progress).where(progress.c.user_id == user_id)
            )
        return int(count or 0)
    finally:
        await database.dispose()


async def scenario(platform: RunningPlatform, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client:
        user_id, auth = await account(client)
        profiles = (await client.get("/api/v1/me/profiles", headers=auth)).json()["items"]
        main = next(p["profile_id"] for p in profiles if p["is_main"])
        kids = await client.post("/api/v1/me/profiles", headers=auth, json={"name": "Kids", "is_kids": True})
        assert kids.status_code == 201, kids.text
        kids_id = kids.json()["profile_id"]
        device_id = str(uuid.uuid4())
        content_id = await publish_title(platform, tmp_path, user_id, device_id)
        row_url = "/api/v1/history/continue-watching"
        await wait_ok(client, row_url, params={"profile_id": main}, headers=auth)
        await wait_ok(client, row_url, params={"profile_id": kids_id}, headers=auth)

        seen: list[dict[str, Any]] = []
        other_device = asyncio.create_task(follow(client, auth, main, seen))
        body = {"content_id": content_id, "profile_id": main, "device_id": device_id}
        session_id = await start_session(client, auth, body)
        while not any(item["event"] == "snapshot" for item in seen):
            await asyncio.sleep(0.05)
        reported = time.monotonic()
        beat = await client.post(
            f"/api/v1/playback/{session_id}/heartbeat", json={"position_seconds": 50.0}, headers=auth
        )
        assert beat.status_code == 200, beat.text
        while not any(item["event"] == "progress" for item in seen) and time.monotonic() - reported < 5:
            await asyncio.sleep(0.02)
        other_device.cancel()
        update = next(item for item in seen if item["event"] == "progress")
        assert update["data"]["content_id"] == content_id and update["data"]["position_seconds"] == 50.0
        assert update["at"] - reported < 2.0

        row = (await client.get(row_url, params={"profile_id": main}, headers=auth)).json()["items"]
        assert [(i["content_id"], i["position_seconds"], i["duration_seconds"]) for i in row] == [
            (content_id, 50.0, DURATION)
        ]
        assert (await client.get(row_url, params={"profile_id": kids_id}, headers=auth)).json()["items"] == []
        _, intruder = await account(client)
        stolen = await client.get(row_url, params={"profile_id": main}, headers=intruder)
        assert stolen.status_code == 404 and stolen.json()["type"].endswith("profile-not-found")

        # The account export (users') embeds the history (the gateway composes it), this account's only.
        export = (await client.get("/api/v1/me/export", headers=auth)).json()
        exported = {p["profile_id"]: p["items"] for p in export["history"]["profiles"]}
        assert export["account"]["user_id"] == user_id and exported[kids_id] == []
        assert [(i["content_id"], i["position_seconds"]) for i in exported[main]] == [(content_id, 50.0)]
        intruders = (await client.get("/api/v1/me/export", headers=intruder)).json()["history"]["profiles"]
        assert main not in {p["profile_id"] for p in intruders}

        assert await history_rows_of(platform, user_id) == 1
        assert (await client.delete("/api/v1/me", headers=auth)).status_code == 204
        for _ in range(100):  # users.user.deleted.v1 reaches history asynchronously
            if await history_rows_of(platform, user_id) == 0:
                break
            await asyncio.sleep(0.1)
        assert await history_rows_of(platform, user_id) == 0


def test_progress_reaches_the_other_device_and_is_erased_with_the_account(
    platform: RunningPlatform, tmp_path: Path
) -> None:
    asyncio.run(scenario(platform, tmp_path))
