"""The live-progress hub and the stream's event rules, without I/O."""

from __future__ import annotations

import asyncio
from typing import Any

from cinemesh.media.http.live import changes, sse, state_id
from cinemesh.media.http.live_hub import VideoHub


def document(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": "processing",
        "stage": "transcoding",
        "progress": 40.0,
        "error": None,
        "complete": False,
        "renditions": [],
        "manifests": {},
        "duration_seconds": None,
    }
    return base | overrides


async def test_a_stream_that_falls_behind_is_dropped_not_buffered() -> None:
    hub = VideoHub(buffer=4)
    slow, other = hub.subscribe("v1"), hub.subscribe("v2")
    for _ in range(4):
        hub.publish("v1")
    assert not slow.ended and hub.subscriber_count == 2
    hub.publish("v1")  # the fifth unread notification: over the bound
    assert slow.ended and hub.subscriber_count == 1
    assert await slow.wait(0.01)  # it wakes, sees `ended`, and its stream ends
    hub.publish("v2")
    assert await other.wait(0.01) and not other.ended and other.pending == 0


async def test_notifications_coalesce_and_a_quiet_wait_times_out() -> None:
    hub = VideoHub(buffer=8)
    subscriber = hub.subscribe("v1")
    hub.publish("v1")
    hub.publish("v1")
    assert await subscriber.wait(1.0)
    assert subscriber.pending == 0
    started = asyncio.get_running_loop().time()
    assert not await subscriber.wait(0.05)
    assert asyncio.get_running_loop().time() - started >= 0.05
    hub.unsubscribe(subscriber)
    hub.unsubscribe(subscriber)  # twice is harmless
    assert hub.subscriber_count == 0


async def test_closing_the_hub_ends_every_stream_and_refuses_new_ones() -> None:
    hub = VideoHub()
    open_streams = [hub.subscribe("v1"), hub.subscribe("v1"), hub.subscribe("v2")]
    hub.close()
    assert all(s.ended for s in open_streams) and hub.subscriber_count == 0
    late = hub.subscribe("v1")
    assert late.ended and hub.subscriber_count == 0


def test_changes_send_the_ladder_before_the_status_it_leads_to() -> None:
    before = document()
    after = document(
        status="ready", stage="done", progress=100.0, complete=True, renditions=[{"height": 240}]
    )
    assert [name for name, _ in changes(before, after)] == ["renditions", "status"]
    status = changes(before, after)[1][1]
    assert status == {
        "status": "ready",
        "stage": "done",
        "progress": 100.0,
        "previous": "processing",
        "error": None,
    }


def test_progress_within_a_status_is_a_progress_event_and_nothing_changed_is_nothing() -> None:
    assert changes(document(), document(progress=50.0)) == [
        ("progress", {"status": "processing", "stage": "transcoding", "progress": 50.0})
    ]
    assert changes(document(), document()) == []


def test_the_event_id_names_what_a_client_sees() -> None:
    assert state_id(document()) == state_id(document(manifests={"hls": "x"}))  # not shown as a change
    assert state_id(document()) != state_id(document(progress=40.1))
    assert sse("status", {"a": "line\nbreak"}, event_id="abc") == (
        b'event: status\nid: abc\ndata: {"a":"line\\nbreak"}\n\n'
    )
