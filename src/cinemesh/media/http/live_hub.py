"""The in-process side of live progress: which open streams follow which video, and the follower
that turns the bus's `media.video` events into wake-ups for them (see `live.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from contextvars import Context

from prometheus_client import Gauge

from cinemesh.contracts.media import MEDIA_TOPIC, JobProgressV1, VideoFailedV1, VideoTranscodedV1
from cinemesh.platform.background import BackgroundTask
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.logging import get_logger
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

    def __init__(self, bus: EventBus, hub: VideoHub, *, retry_seconds: float = 1.0) -> None:
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
        bus = self._bus
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
