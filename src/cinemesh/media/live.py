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

import asyncio
import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import AsyncGenerator, Callable
from contextvars import Context
from typing import Any

import orjson
from prometheus_client import Gauge
from pydantic import Field
from pydantic_settings import BaseSettings

from cinemesh.contracts.media import MEDIA_TOPIC, JobProgressV1, VideoFailedV1, VideoTranscodedV1
from cinemesh.media.domain import VideoStatus
from cinemesh.media.store import VideoRow, VideoStore
from cinemesh.media.views import video_document
from cinemesh.platform.background import BackgroundTask
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.logging import get_logger
from cinemesh.platform.settings import settings_config
from cinemesh.platform.termination import on_termination

log = get_logger("cinemesh.media.live")

LIVE_STREAMS = Gauge(
    "cinemesh_media_live_streams", "Open live-progress streams (video hub subscribers) in this process."
)

# Events that change what a stream shows. upload.completed is among them: it is committed with
# the move from uploading to queued (or to failed, for a file the probe refused).
_RELEVANT = frozenset(
    {
        "media.upload.completed.v1",
        JobProgressV1.event_type,
        VideoTranscodedV1.event_type,
        VideoFailedV1.event_type,
    }
)
TERMINAL = frozenset({VideoStatus.READY.value, VideoStatus.FAILED.value})
KEEP_ALIVE = b": keep-alive\n\n"


class LiveSettings(BaseSettings):
    model_config = settings_config("CINEMESH_MEDIA_LIVE_")

    keepalive_seconds: float = Field(
        15.0, gt=0, description="A comment line this often keeps proxies from cutting an idle stream."
    )
    retry_ms: int = Field(2000, ge=0, description="The reconnection delay a client is told to use.")
    fallback_poll_seconds: float = Field(
        1.0, gt=0, description="Re-read interval while the event follower is not (yet) positioned."
    )
    buffer: int = Field(32, ge=1, description="Unread notifications per stream before it is dropped.")


class Subscriber:
    """One open stream's mailbox: notifications of its video, bounded."""

    def __init__(self, video_id: str, limit: int) -> None:
        self.video_id = video_id
        self.limit = limit
        self.pending = 0
        self.ended = False  # dropped (too slow) or the hub closed: the stream must end
        self._signal = asyncio.Event()

    def notify(self) -> bool:
        """False when the buffer is full: the caller drops this subscriber."""
        if self.pending >= self.limit:
            return False
        self.pending += 1
        self._signal.set()
        return True

    def end(self) -> None:
        self.ended = True
        self._signal.set()

    async def wait(self, timeout: float) -> bool:  # noqa: ASYNC109 (a timeout is a normal outcome: re-read)
        """True if notified (or ended) within `timeout`; the buffer is emptied either way."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._signal.wait()
        woke = self._signal.is_set()
        self._signal.clear()
        self.pending = 0
        return woke


class VideoHub:
    """In-process broadcast of "video X changed" to the streams open on X."""

    def __init__(self, *, buffer: int = 32) -> None:
        self.buffer = buffer
        self.live = False  # the follower's position is fixed: every later change will arrive
        self.closed = False
        self._by_video: dict[str, set[Subscriber]] = {}

    @property
    def subscriber_count(self) -> int:
        return sum(len(subscribers) for subscribers in self._by_video.values())

    def subscribe(self, video_id: str) -> Subscriber:
        subscriber = Subscriber(video_id, self.buffer)
        if self.closed:
            subscriber.end()
            return subscriber
        self._by_video.setdefault(video_id, set()).add(subscriber)
        LIVE_STREAMS.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscribers = self._by_video.get(subscriber.video_id)
        if subscribers is None or subscriber not in subscribers:
            return
        subscribers.discard(subscriber)
        LIVE_STREAMS.dec()
        if not subscribers:
            del self._by_video[subscriber.video_id]

    def publish(self, video_id: str) -> None:
        for subscriber in list(self._by_video.get(video_id, ())):
            if not subscriber.notify():
                log.warning("live_stream_dropped", video_id=video_id, reason="slow client")
                self.unsubscribe(subscriber)
                subscriber.end()

    def close(self) -> None:
        """Ends every open stream (shutdown); later subscribers end at once."""
        self.closed = True
        for subscribers in list(self._by_video.values()):
            for subscriber in list(subscribers):
                self.unsubscribe(subscriber)
                subscriber.end()


class VideoEventFollower:
    """Feeds the hub from the bus, as a consumer group unique to this process."""

    def __init__(self, bus: Callable[[], EventBus], hub: VideoHub, *, retry_seconds: float = 1.0) -> None:
        self._bus = bus
        self.hub = hub
        self.retry_seconds = retry_seconds
        self.group = f"media.live.{new_id_str()}"
        self._task = BackgroundTask("media-live-follower")

    def ensure_started(self) -> None:
        """Started by the first stream, so processes that serve none (workers) never follow."""
        if not self._task.started and not self.hub.closed:
            # A context of its own: the first stream's request id must not label its logs.
            self._task.start(self._follow, context=Context())
            # granian drains open connections before the lifespan stops: end streams at the signal.
            on_termination(self.hub.close, asyncio.get_running_loop())

    async def stop(self) -> None:
        await self._task.stop()

    async def _follow(self) -> None:
        bus = self._bus()
        started = time.monotonic()
        while True:
            try:
                # Only what happens from now on: a stream reads the current state itself.
                await bus.reset_group(self.group, [MEDIA_TOPIC], to_time=dt.datetime.now(dt.UTC))
                break
            except Exception as exc:  # the bus is down: streams poll meanwhile
                log.warning("live_follower_unpositioned", error=repr(exc))
                await asyncio.sleep(self.retry_seconds)
        subscription = bus.subscribe(self.group, [MEDIA_TOPIC])
        try:
            while True:
                try:
                    records = await subscription.fetch(max_records=500, timeout=1.0)
                except Exception as exc:  # the position is kept: events are late, not lost
                    self.hub.live = False
                    log.warning("live_follower_error", error=repr(exc))
                    await asyncio.sleep(self.retry_seconds)
                    continue
                if not self.hub.live:
                    # Live only once a fetch has come back: the reset fixed the position, but a
                    # Kafka member is only fed once it has joined (seconds). Until then streams
                    # poll, or a change would wait for their next keep-alive to be seen.
                    self.hub.live = True
                    log.info(
                        "live_follower_ready", group=self.group, seconds=round(time.monotonic() - started, 3)
                    )
                for record in records:
                    if record.envelope.type in _RELEVANT and record.envelope.subject:
                        self.hub.publish(record.envelope.subject)
        finally:
            self.hub.live = False
            # Shielded: a cancelled stop must still leave the group (embedded: its lease).
            with contextlib.suppress(Exception):
                await asyncio.shield(subscription.close())


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

    def __init__(
        self, *, database: Database, bus: Callable[[], EventBus], settings: LiveSettings | None = None
    ) -> None:
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
