"""Live progress of a video: a Server-Sent Events stream fed by the media events on the bus.

Workers (in this process or in any other) write a video's state to its row and, in the same
transaction, record an event on `media.video` (progress, transcoded, failed). Each API process
follows that topic as a consumer group of its own (every process must see every event, so
groups are never shared and never commit), starting at "now", and hands each event to a
`VideoHub`: an in-process broadcast keyed by video id, with a small bounded buffer per open
stream. A stream that cannot keep up is dropped (its client reconnects) rather than allowed to
grow memory.

An event only says "this video changed": the stream then re-reads the row and sends what
differs from what it sent last. The row is the truth (the event was committed with it), so
duplicates, redeliveries and events older than the snapshot a stream started from cannot send
progress backwards, and nothing carried only by an event can be missed.

No change can fall between the snapshot and the subscription: a stream subscribes first and
reads the row second, and the follower's position was fixed before either. Until the follower
is positioned (it starts with the first stream, so `cinemesh worker` processes never run one),
or while the bus is failing, streams re-read the row every `fallback_poll_seconds` instead.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncGenerator
from typing import Any

import orjson

from cinemesh.media.domain.videos import VideoStatus
from cinemesh.media.http.live_hub import VideoEventFollower, VideoHub
from cinemesh.media.http.schemas import video_document
from cinemesh.media.settings import LiveSettings
from cinemesh.media.store.videos import VideoRow, VideoStore
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.media.live")

TERMINAL = frozenset({VideoStatus.READY.value, VideoStatus.FAILED.value})
KEEP_ALIVE = b": keep-alive\n\n"


def state_id(document: dict[str, Any]) -> str:
    """The stream's event id: a digest of what a client sees, so an unchanged state has the
    same id after a reconnect (and is not sent again) and any change gets a new one."""
    seen = (
        document["status"],
        document["stage"],
        document["progress"],
        document["error"],
        document["complete"],
        len(document["renditions"]),
    )
    return hashlib.blake2b(orjson.dumps(seen), digest_size=8).hexdigest()


def sse(event: str, data: dict[str, Any], *, event_id: str | None = None) -> bytes:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + orjson.dumps(data).decode())  # compact JSON: one line, no newline in it
    return ("\n".join(lines) + "\n\n").encode()


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The events that take a client from `before` to `after`, renditions before the status
    that follows from them (a client sees the ladder, then "ready")."""
    found: list[tuple[str, dict[str, Any]]] = []
    if (after["complete"], len(after["renditions"])) != (before["complete"], len(before["renditions"])):
        found.append(
            (
                "renditions",
                {
                    "complete": after["complete"],
                    "renditions": after["renditions"],
                    "manifests": after["manifests"],
                    "duration_seconds": after["duration_seconds"],
                },
            )
        )
    progress = {"status": after["status"], "stage": after["stage"], "progress": after["progress"]}
    if after["status"] != before["status"]:
        found.append(("status", {**progress, "previous": before["status"], "error": after["error"]}))
    elif (after["stage"], after["progress"]) != (before["stage"], before["progress"]):
        found.append(("progress", progress))
    return found


class LiveVideos:
    """What the route uses: the hub, its follower, and the stream of one video. Who may see
    the video is decided before, by the same use case as `GET /videos/{id}`."""

    def __init__(self, *, database: Database, bus: EventBus, settings: LiveSettings | None = None) -> None:
        self.database = database
        self.settings = settings or LiveSettings()
        self.hub = VideoHub(buffer=self.settings.buffer)
        self.follower = VideoEventFollower(bus, self.hub)

    async def close(self) -> None:
        self.hub.close()
        await self.follower.stop()

    @staticmethod
    def has_final_state(row: VideoRow, last_event_id: str | None) -> bool:
        """The client already saw this video's terminal state: nothing more will ever come."""
        return row.status in TERMINAL and state_id(video_document(row)) == last_event_id

    async def _read(self, video_id: str) -> VideoRow | None:
        async with self.database.session() as session:
            return await VideoStore(session).get(video_id)

    async def stream(self, video_id: str, *, last_event_id: str | None) -> AsyncGenerator[bytes, None]:
        """The response body. Subscribes before it reads, and unsubscribes however it ends
        (terminal state, client gone, dropped, shutdown)."""
        settings = self.settings
        self.follower.ensure_started()
        subscriber = self.hub.subscribe(video_id)
        try:
            yield f"retry: {settings.retry_ms}\n\n".encode()
            row = await self._read(video_id)
            if row is None:
                return
            shown = video_document(row)
            current = state_id(shown)
            if current != last_event_id:
                yield sse("state", shown, event_id=current)
            last_write = time.monotonic()
            while shown["status"] not in TERMINAL:
                idle = time.monotonic() - last_write
                interval = settings.keepalive_seconds if self.hub.live else settings.fallback_poll_seconds
                await subscriber.wait(max(0.0, min(interval, settings.keepalive_seconds - idle)))
                if subscriber.ended:
                    return
                row = await self._read(video_id)
                if row is None:  # the upload was terminated
                    return
                document = video_document(row)
                found = changes(shown, document)
                shown = document
                for index, (event, data) in enumerate(found):
                    # Only the last event of a batch carries the new id: a client cut off in
                    # the middle still holds the older id and is sent the whole state again.
                    last = index == len(found) - 1
                    yield sse(event, data, event_id=state_id(document) if last else None)
                    last_write = time.monotonic()
                if time.monotonic() - last_write >= settings.keepalive_seconds:
                    yield KEEP_ALIVE
                    last_write = time.monotonic()
        finally:
            self.hub.unsubscribe(subscriber)
