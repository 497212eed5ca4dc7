"""A video's live progress (`GET /api/v1/videos/{id}/events`, Server-Sent Events) through the
gateway, on both platform shapes: in `cinemesh up` the worker's events reach the stream through
the embedded log; distributed, through Kafka into the media process's follower.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.platform import METRICS_AUTH, RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform")]

TUS = {"Tus-Resumable": "1.0.0"}


@dataclass
class Event:
    name: str
    data: dict[str, Any]
    id: str | None
    at: float  # time.time() when it arrived


@dataclass
class EventStream:
    """One open stream, read in a task: what arrived so far, and whether the server ended it."""

    status: int = 0
    events: list[Event] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    taken: int = 0  # events handed out by next()

    async def next(self, timeout: float = 120) -> Event:
        """The next event not handed out yet, waiting for it if needed."""
        async with asyncio.timeout(timeout):
            while len(self.events) <= self.taken:
                if self.ended.is_set():
                    raise AssertionError(f"the stream ended after {[e.name for e in self.events]}")
                self.arrived.clear()
                await self.arrived.wait()
        self.taken += 1
        return self.events[self.taken - 1]


async def read_stream(client: httpx.AsyncClient, url: str, stream: EventStream, **headers: str) -> None:
    async with client.stream("GET", url, headers=headers, timeout=httpx.Timeout(30, read=None)) as response:
        stream.status = response.status_code
        name, data, event_id = "message", [], None
        async for line in response.aiter_lines():
            if line.startswith(":"):
                stream.comments.append(line)
            elif line.startswith("retry:"):
                stream.retry = int(line.split(":", 1)[1])
            elif line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("id:"):
                event_id = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data.append(line.split(":", 1)[1].strip())
            elif line == "" and data:
                stream.events.append(Event(name, json.loads("\n".join(data)), event_id, time.time()))
                stream.arrived.set()
                name, data, event_id = "message", [], None
    stream.ended.set()
    stream.arrived.set()


@contextlib.asynccontextmanager
async def following(
    client: httpx.AsyncClient, video_id: str, **headers: str
) -> AsyncIterator[tuple[EventStream, asyncio.Task[None]]]:
    stream = EventStream()
    task = asyncio.create_task(read_stream(client, f"/api/v1/videos/{video_id}/events", stream, **headers))
    try:
        yield stream, task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def admin(platform: RunningPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=60) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"email": platform.admin_email, "password": platform.admin_password}
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


async def create_upload(client: httpx.AsyncClient, size: int) -> tuple[str, str]:
    """A title and a tus upload for it: (upload URL, video id)."""
    title = await client.post(
        "/api/v1/titles", json={"title": f"Live {uuid.uuid4().hex[:6]}", "type": "movie"}
    )
    assert title.status_code == 201, title.text
    meta = "title_id " + base64.b64encode(title.json()["id"].encode()).decode()
    created = await client.post(
        "/api/v1/uploads", headers={**TUS, "Upload-Length": str(size), "Upload-Metadata": meta}
    )
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    return location, location.rsplit("/", 1)[-1]


async def send_file(client: httpx.AsyncClient, location: str, data: bytes) -> None:
    patched = await client.patch(
        location,
        content=data,
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert patched.status_code == 204, patched.text


def media_metrics_url(platform: RunningPlatform) -> str:
    if platform.shape == "embedded":
        return f"{platform.base_url}/metrics"  # one process: the gateway's registry is media's
    upstreams: dict[str, str] = json.loads(platform.env["CINEMESH_UPSTREAMS"])
    return upstreams["media"] + "/metrics"


async def open_streams(platform: RunningPlatform) -> float:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(media_metrics_url(platform), headers=METRICS_AUTH)).text
    for line in text.splitlines():
        if line.startswith("cinemesh_media_live_streams "):
            return float(line.split()[1])
    raise AssertionError("no cinemesh_media_live_streams gauge")


async def test_a_stream_opened_before_the_last_byte_follows_the_transcode_to_ready(
    platform: RunningPlatform, admin: httpx.AsyncClient, media_clip: Any
) -> None:
    data = Path(media_clip("landscape.mp4")).read_bytes()
    location, video_id = await create_upload(admin, len(data))
    async with following(admin, video_id) as (stream, _):
        first = await stream.next(30)
        assert stream.status == 200 and stream.retry == 2000
        assert first.name == "state" and first.data["status"] == "uploading" and first.id
        await send_file(admin, location, data)
        while not stream.ended.is_set():
            with contextlib.suppress(AssertionError):
                await stream.next(180)
    names = [event.name for event in stream.events]
    last = stream.events[-1]
    assert (last.name, last.data["status"], last.data["progress"]) == ("status", "ready", 100.0), names
    # Status only moves forward; progress never goes back within a status.
    statuses = [e.data["status"] for e in stream.events if "status" in e.data]
    order = ["uploading", "queued", "processing", "ready"]
    assert statuses == sorted(statuses, key=order.index), statuses
    processing = [e.data["progress"] for e in stream.events if e.data.get("status") == "processing"]
    assert processing == sorted(processing), processing
    # The first rung is announced before the ladder, and the ladder before "ready".
    ladders = [e.data["complete"] for e in stream.events if e.name == "renditions"]
    assert ladders[-1] is True and names.index("renditions") < len(names) - 1
    assert [r["height"] for r in stream.events[-2].data["renditions"]] == [240, 360, 480]
    assert all(event.id for event in stream.events if event.name == "status")

    # What the stream ended on is what the API says; and its id tells a reconnecting client
    # that nothing more will come (204, which stops an EventSource).
    document = (await admin.get(f"/api/v1/videos/{video_id}")).json()
    assert document["status"] == "ready" and document["renditions"] == stream.events[-2].data["renditions"]
    again = await admin.get(f"/api/v1/videos/{video_id}/events", headers={"Last-Event-ID": last.id or ""})
    assert again.status_code == 204
    # Worker -> bus -> follower -> stream -> gateway -> client: the "ready" row was written in
    # the transaction that recorded the event (same machine, same clock).
    written = dt.datetime.fromisoformat(document["updated_at"]).timestamp()
    latency = last.at - written
    print(f"\n[{platform.shape}] ready written -> received through the gateway: {latency * 1000:.0f} ms")
    assert latency < 3.0


async def test_a_file_that_is_not_a_video_ends_the_stream_with_the_reason(
    platform: RunningPlatform, admin: httpx.AsyncClient, media_clip: Any
) -> None:
    data = Path(media_clip("not_a_video.txt")).read_bytes()
    location, video_id = await create_upload(admin, len(data))
    async with following(admin, video_id) as (stream, _):
        assert (await stream.next(30)).data["status"] == "uploading"
        await send_file(admin, location, data)
        failed = await stream.next(60)
        await asyncio.wait_for(stream.ended.wait(), 10)
    assert failed.name == "status" and failed.data["status"] == "failed", stream.events
    assert failed.data["previous"] == "uploading" and failed.data["error"]
    assert failed.data["error"] == (await admin.get(f"/api/v1/videos/{video_id}")).json()["error"]
    # Opening it after the fact: the final state at once, then the end.
    async with following(admin, video_id) as (late, task):
        await asyncio.wait_for(task, 10)
    assert [(e.name, e.data["status"]) for e in late.events] == [("state", "failed")]


async def test_only_the_uploader_and_admins_can_follow_a_video(
    platform: RunningPlatform, admin: httpx.AsyncClient
) -> None:
    _, video_id = await create_upload(admin, 100)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        refused = await anonymous.get(f"/api/v1/videos/{video_id}/events")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        suffix = uuid.uuid4().hex[:10]
        account = {
            "email": f"l-{suffix}@example.com",
            "username": f"l_{suffix}",
            "password": "correct horse battery",
            "country": "DE",
        }
        assert (await anonymous.post("/api/v1/auth/register", json=account)).status_code == 201
        login = await anonymous.post(
            "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
        )
        viewer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        # Another user's video is "not found", exactly as for GET /videos/{id}: no probing for ids.
        for path in (f"/api/v1/videos/{video_id}/events", f"/api/v1/videos/{video_id}"):
            hidden = await anonymous.get(path, headers=viewer)
            assert hidden.status_code == 404, path
            assert hidden.json()["type"].endswith("/video-not-found")
        unknown = await anonymous.get(f"/api/v1/videos/{uuid.uuid4()}/events", headers=viewer)
        assert unknown.status_code == 404


async def test_streams_a_client_leaves_are_released_and_a_reconnect_resumes_without_repeats(
    platform: RunningPlatform, admin: httpx.AsyncClient
) -> None:
    _, video_id = await create_upload(admin, 100)  # stays "uploading": the streams stay open
    baseline = await open_streams(platform)
    async with contextlib.AsyncExitStack() as stack:
        streams = [await stack.enter_async_context(following(admin, video_id)) for _ in range(3)]
        for stream, _ in streams:
            await stream.next(30)
        assert await open_streams(platform) == baseline + 3
        state_id = streams[0][0].events[0].id
        assert state_id and all(s.events[0].id == state_id for s, _ in streams)
    # The clients went away: their subscriptions must not outlive them.
    started = time.monotonic()
    while await open_streams(platform) != baseline:
        assert time.monotonic() - started < 20, "streams left open after their clients went"
        await asyncio.sleep(0.2)
    print(f"\n[{platform.shape}] 3 closed streams released in {time.monotonic() - started:.2f} s")

    # A reconnect that already holds the current state is not sent it again, and stays open.
    async with following(admin, video_id, **{"Last-Event-ID": state_id}) as (resumed, task):
        await asyncio.sleep(1.5)
        assert resumed.status == 200 and resumed.retry == 2000 and not task.done()
        assert resumed.events == []
