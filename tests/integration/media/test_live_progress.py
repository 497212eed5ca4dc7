"""The live-progress stream in-process, against a real worker and the embedded event log, driven
at the ASGI level (httpx's ASGI transport would wait for the end of the body): progress climbs
event by event, idle streams get keep-alives, a client that leaves or a shutdown ends the stream
and releases its subscription, and another provider cannot follow someone else's video."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.types import Message

from cinemesh.media.http.live import LiveVideos
from tests.fixtures.media import MediaTokens
from tests.integration.media.conftest import TUS, MediaHarness, media_settings, start_harness

pytestmark = pytest.mark.integration


@dataclass
class AsgiStream:
    """One GET on the app as a server would make it; the client "leaves" with `leave()`."""

    status: int = 0
    text: str = ""
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    comments: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def leave(self) -> None:
        self.gone.set()

    async def until(self, check: Any, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while not check(self):
                self.changed.clear()
                await self.changed.wait()

    def absorb(self, body: bytes) -> None:
        self.text += body.decode()
        while "\n\n" in self.text:
            block, self.text = self.text.split("\n\n", 1)
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if block.startswith(":"):
                self.comments += 1
            elif "data" in fields:
                self.events.append((fields["event"], json.loads(fields["data"])))
        self.changed.set()


def open_stream(app: FastAPI, path: str, headers: dict[str, str]) -> AsgiStream:
    stream = AsgiStream()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await stream.gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            stream.status = message["status"]
        elif message["type"] == "http.response.body":
            stream.absorb(message.get("body", b""))
        stream.changed.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(key.lower().encode(), value.encode()) for key, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("media.test", 80),
    }

    async def run() -> None:
        await app(scope, receive, send)
        stream.changed.set()

    stream.task = asyncio.create_task(run())
    return stream


@pytest.fixture
async def media(
    tmp_path: Path, media_tokens: MediaTokens, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MediaHarness]:
    # Heartbeats (the worker's progress writes) and keep-alives every few tenths of a second.
    monkeypatch.setenv("CINEMESH_MEDIA_LIVE_KEEPALIVE_SECONDS", "0.3")
    settings = media_settings(heartbeat_seconds=0.3, ladder_heights=[360, 240], vmaf=False)
    async with start_harness(tmp_path, media_tokens, settings) as harness:
        yield harness


def hub_count(media: MediaHarness) -> int:
    live: LiveVideos = media.app.state.context.live
    return live.hub.subscriber_count


async def new_upload(media: MediaHarness, size: int) -> str:
    created = await media.create(size, media.auth())
    assert created.status_code == 201, created.text
    return str(created.headers["location"])


async def test_progress_climbs_event_by_event_until_ready(media: MediaHarness, media_clip: Any) -> None:
    # 10 s of 720p: long enough for several progress writes even when the machine is fast (a 5 s
    # clip could finish between two of them, leaving one progress event to see).
    data = Path(media_clip("medium.mp4")).read_bytes()
    location = await new_upload(media, len(data))
    video_id = location.rsplit("/", 1)[-1]
    stream = open_stream(media.app, f"/api/v1/videos/{video_id}/events", media.auth())
    await stream.until(lambda s: s.events)
    patched = await media.client.patch(
        location,
        content=data,
        headers={**media.auth(), "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert patched.status_code == 204, patched.text
    assert stream.task is not None
    await asyncio.wait_for(stream.task, 120)
    names = [name for name, _ in stream.events]
    progress = [data["progress"] for name, data in stream.events if name == "progress"]
    assert len(progress) >= 2 and progress == sorted(set(progress)), stream.events
    # 0 % is a real event now: the claim (queued -> processing) is announced at once.
    assert 0 <= progress[0] < progress[-1] < 100
    assert names[-2:] == ["renditions", "status"] and stream.events[-1][1]["status"] == "ready"
    assert hub_count(media) == 0


async def test_an_idle_stream_gets_keep_alives_and_leaving_releases_it(media: MediaHarness) -> None:
    video_id = (await new_upload(media, 100)).rsplit("/", 1)[-1]
    stream = open_stream(media.app, f"/api/v1/videos/{video_id}/events", media.auth())
    await stream.until(lambda s: s.comments >= 2, timeout=10)
    assert [name for name, _ in stream.events] == ["state"] and hub_count(media) == 1
    stream.leave()
    assert stream.task is not None
    await asyncio.wait_for(stream.task, 5)
    assert hub_count(media) == 0


async def test_another_provider_cannot_follow_the_video(media: MediaHarness) -> None:
    video_id = (await new_upload(media, 100)).rsplit("/", 1)[-1]
    other = await media.client.get(
        f"/api/v1/videos/{video_id}/events", headers=media.tokens.headers("provider-2", "content_provider")
    )
    assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("/video-not-found")
    assert (await media.client.get(f"/api/v1/videos/{video_id}/events", headers=TUS)).status_code == 401
    assert hub_count(media) == 0


async def test_shutdown_ends_open_streams(tmp_path: Path, media_tokens: MediaTokens) -> None:
    async with start_harness(tmp_path, media_tokens, media_settings(workers=0)) as harness:
        video_id = (await new_upload(harness, 100)).rsplit("/", 1)[-1]
        stream = open_stream(harness.app, f"/api/v1/videos/{video_id}/events", harness.auth())
        await stream.until(lambda s: s.events)
    assert stream.task is not None
    await asyncio.wait_for(stream.task, 2)  # ended by the lifespan's stop, not by the client
    assert hub_count(harness) == 0 and not stream.gone.is_set()
