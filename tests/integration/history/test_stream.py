"""The per-profile stream: a snapshot, then changes as they commit; resumable by Last-Event-ID."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import Any

import orjson

from cinemesh.history.http.stream import profile_events
from cinemesh.platform.ids import new_id_str
from tests.integration.history.harness import HistoryHarness, Playback, Viewer


def parse(chunk: bytes) -> dict[str, Any] | None:
    fields = dict(line.split(": ", 1) for line in chunk.decode().strip().split("\n") if ": " in line)
    if "event" not in fields:
        return None  # retry line or keep-alive
    return {"event": fields["event"], "id": fields.get("id"), "data": orjson.loads(fields["data"])}


async def next_event(events: AsyncGenerator[bytes, None], timeout: float = 3.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            parsed = parse(await anext(events))
            if parsed is not None:
                return parsed


def _play(viewer: Viewer) -> Playback:
    content_id = new_id_str()
    return Playback(viewer=viewer, content_id=content_id, title_id=content_id)


async def test_snapshot_then_live_changes_then_resume_from_the_last_id(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    context = history.app.state.context
    movie = _play(viewer)
    await history.feed(movie.report(100, at=history.at()))

    events = profile_events(context, user_id=viewer.user_id, profile_id=viewer.profile_id, last_event_id=None)
    snapshot = await next_event(events)
    assert snapshot["event"] == "snapshot"
    assert [item["position_seconds"] for item in snapshot["data"]["items"]] == [100]
    first_id = snapshot["id"]

    reported = time.monotonic()
    await history.feed(movie.report(200, at=history.at()))
    change = await next_event(events)
    assert change["event"] == "progress" and change["data"]["position_seconds"] == 200
    assert time.monotonic() - reported < 0.5  # woken by the commit, not by the 1 s re-read
    sync = await next_event(events)
    assert sync["event"] == "sync" and int(sync["id"]) > int(first_id)
    await events.aclose()

    # Offline meanwhile: a second content and a newer point; the reconnect gets only those.
    other = _play(viewer)
    await history.feed(other.report(300, at=history.at()), movie.report(250, at=history.at()))
    resumed = profile_events(
        context, user_id=viewer.user_id, profile_id=viewer.profile_id, last_event_id=sync["id"]
    )
    got = [await next_event(resumed) for _ in range(3)]
    assert [(e["event"], e["data"].get("content_id")) for e in got[:2]] == [
        ("progress", other.content_id),
        ("progress", movie.content_id),
    ]
    assert got[2]["event"] == "sync"
    await resumed.aclose()

    # Up to date: nothing is sent again until the next change; a deletion sends a new snapshot.
    current = profile_events(
        context, user_id=viewer.user_id, profile_id=viewer.profile_id, last_event_id=got[2]["id"]
    )
    deleted = await history.client.delete(
        f"/api/v1/history/progress/{other.content_id}", params=viewer.params(), headers=viewer.auth
    )
    assert deleted.status_code == 204
    after = await next_event(current)
    assert after["event"] == "snapshot"
    assert [item["content_id"] for item in after["data"]["items"]] == [movie.content_id]
    await current.aclose()
    assert context.hub.subscriber_count == 0
