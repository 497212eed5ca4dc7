"""The embedded adapter: a durable event log in one SQLite file, shared by local processes.

Each topic is one partition with dense offsets, so a topic is totally ordered (and with it
every key). Group offsets live beside the records. A publish commits before it returns;
fetchers in this process are woken at once; commits by other processes are noticed by one
watcher per bus (`_change_watch`), which looks every `poll_interval` after a change and backs off
to `idle_poll_interval` while the log is quiet. A fetcher reads only when something changed.

SQLite runs on two private threads, one per connection: writes (appends, commits, leases)
on one, reads on the other, so a fetch never waits behind a publish (WAL lets them overlap).
Concurrent publishes are group-committed: whatever queued while one transaction ran goes
into the next, one fsync for all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, TypeVar

from cinemesh.platform.events import _sqlite_log as log
from cinemesh.platform.events._change_watch import ExternalChangeWatch
from cinemesh.platform.events.bus import (
    EventBus,
    Record,
    Subscription,
    check_reset_args,
    log_poison,
    logger,
    next_offsets,
    resolve_keys,
)
from cinemesh.platform.events.envelope import Envelope, EnvelopeDecodeError

T = TypeVar("T")
_Pending = tuple[list[tuple[str, str, bytes]], "asyncio.Future[None]"]


def _now_us() -> int:
    return time.time_ns() // 1000


class EmbeddedEventBus(EventBus):
    def __init__(
        self,
        path: Path,
        *,
        poll_interval: float = 0.05,
        idle_poll_interval: float = 1.0,
        lease_ttl: float = 10.0,
        synchronous: Literal["NORMAL", "FULL"] = "FULL",
        busy_timeout_ms: int = 10_000,
    ) -> None:
        self.path = path
        self.poll_interval = poll_interval
        self.lease_ttl = lease_ttl
        self._synchronous: Literal["NORMAL", "FULL"] = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="cinemesh-events-write")
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="cinemesh-events-read")
        self._write_conn: sqlite3.Connection | None = None
        self._read_conn: sqlite3.Connection | None = None
        # Replaced (after being set) on every publish: a fetcher waits on the one it saw.
        self._changed = asyncio.Event()
        self.generation = 0  # counts those replacements: a fetcher that saw this one reads nothing new
        self._watch = ExternalChangeWatch(
            version=lambda: self._write(log.data_version),
            on_change=self._notify,
            fastest=poll_interval,
            slowest=idle_poll_interval,
        )
        self._pending: list[_Pending] = []
        self._flushing = False
        self._flush_task: asyncio.Task[None] | None = None  # held so it cannot be garbage-collected
        self._subscriptions: set[EmbeddedSubscription] = set()

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

        def open_conn() -> sqlite3.Connection:
            return log.connect(
                self.path, synchronous=self._synchronous, busy_timeout_ms=self._busy_timeout_ms
            )

        self._write_conn = await self._on(self._writer, open_conn)
        await self._write(log.create_schema)
        self._read_conn = await self._on(self._reader, open_conn)
        self._watch.start()

    def _notify(self) -> None:
        self.generation += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def close(self) -> None:
        await self._watch.stop()
        for subscription in list(self._subscriptions):
            await subscription.close()
        for executor, conn in ((self._writer, self._write_conn), (self._reader, self._read_conn)):
            if conn is not None:
                await self._on(executor, conn.close)
            executor.shutdown(wait=True)
        self._write_conn = self._read_conn = None

    async def publish_many(
        self, events: Sequence[tuple[str, Envelope]], *, keys: Sequence[str | None] | None = None
    ) -> None:
        if not events:
            return
        items = [
            (topic, key, envelope.to_bytes())
            for (topic, envelope), key in zip(events, resolve_keys(events, keys), strict=True)
        ]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((items, done))
        if not self._flushing:
            self._flushing = True
            self._flush_task = asyncio.get_running_loop().create_task(self._flush())
        await done

    async def _flush(self) -> None:
        """Group commit: appends everything queued so far in one transaction, until the queue is empty."""
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                items = [item for items, _ in batch for item in items]
                try:
                    await self._write(log.append, items, _now_us())
                except Exception as exc:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
                self._notify()
        finally:
            self._flushing = False

    def subscribe(self, group: str, topics: Sequence[str]) -> EmbeddedSubscription:
        subscription = EmbeddedSubscription(self, group, list(dict.fromkeys(topics)))
        self._subscriptions.add(subscription)
        return subscription

    async def reset_group(
        self,
        group: str,
        topics: Sequence[str],
        *,
        to_offset: int | None = None,
        to_time: dt.datetime | None = None,
    ) -> None:
        check_reset_args(to_offset, to_time)
        to_time_us = None if to_time is None else int(to_time.timestamp() * 1_000_000)
        await self._write(log.reset_offsets, group, topics, to_offset, to_time_us, _now_us())
        for subscription in self._subscriptions:
            if subscription.group == group:
                subscription.reload_positions()
        self._notify()
        logger.info("reset group %s on %s to offset=%s time=%s", group, list(topics), to_offset, to_time)

    async def end_offsets(self, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        ends = await self._read(log.end_offsets, topics)
        return {(topic, 0): offset for topic, offset in ends.items()}

    async def _write(self, fn: Callable[..., T], *args: object) -> T:
        conn = self._write_conn
        if conn is None:
            raise RuntimeError("EmbeddedEventBus is not started")
        return await self._on(self._writer, fn, conn, *args)

    async def _read(self, fn: Callable[..., T], *args: object) -> T:
        conn = self._read_conn
        if conn is None:
            raise RuntimeError("EmbeddedEventBus is not started")
        return await self._on(self._reader, fn, conn, *args)

    @staticmethod
    async def _on(executor: ThreadPoolExecutor, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)


class EmbeddedSubscription(Subscription):
    def __init__(self, bus: EmbeddedEventBus, group: str, topics: list[str]) -> None:
        self.bus = bus
        self.group = group
        self.topics = topics
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._positions: dict[str, int] = {}  # next offset to read, per topic we lease
        self._leases_checked = float("-inf")
        self._rotation = 0
        self._closed = False
        self._read_at_generation = -1  # the bus generation of our last read that found nothing

    def reload_positions(self) -> None:
        """Forget read positions; the next fetch starts again from the committed offsets."""
        self._positions = {}
        self._leases_checked = float("-inf")
        self._read_at_generation = -1

    async def fetch(self, max_records: int = 500, timeout: float = 1.0) -> list[Record]:  # noqa: ASYNC109
        if self._closed:
            raise RuntimeError("subscription is closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed, generation = self.bus._changed, self.bus.generation  # before reading
            await self._maintain_leases()
            if self._positions and generation != self._read_at_generation:
                rows = await self.bus._read(log.read, self._rotated_positions(), max_records)
                records = self._decode(rows)
                if records:
                    return records
                if rows:
                    continue  # only poison records; keep reading
                self._read_at_generation = generation  # nothing new until the log changes
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                # Woken by a publish here or by the watcher; the timeout only ends the fetch
                # (and renews leases, which `_maintain_leases` paces by itself).
                async with asyncio.timeout(min(remaining, self._lease_renewal_interval)):
                    await changed.wait()

    @property
    def _lease_renewal_interval(self) -> float:
        # A third of the TTL: two renewals can fail before another member may take over.
        return self.bus.lease_ttl / 3

    def _rotated_positions(self) -> dict[str, int]:
        # Start with a different topic each fetch, so a busy topic cannot starve the others.
        topics = list(self._positions)
        self._rotation = (self._rotation + 1) % len(topics)
        return {
            topic: self._positions[topic] for topic in topics[self._rotation :] + topics[: self._rotation]
        }

    def _decode(self, rows: list[log.Row]) -> list[Record]:
        records = []
        for topic, offset, key, payload, ts_us in rows:
            self._positions[topic] = offset + 1
            try:
                envelope = Envelope.from_bytes(payload)
            except EnvelopeDecodeError as exc:
                log_poison(topic, 0, offset, payload, exc)
                continue
            timestamp = dt.datetime.fromtimestamp(ts_us / 1_000_000, dt.UTC)
            records.append(Record(topic, 0, offset, key, envelope, timestamp))
        return records

    async def _maintain_leases(self) -> None:
        """Renews our topic leases (a third of the TTL before they expire) and takes free ones."""
        now = time.monotonic()
        if now - self._leases_checked < self._lease_renewal_interval:
            return
        self._leases_checked = now
        ttl_us = int(self.bus.lease_ttl * 1_000_000)
        owned = await self.bus._write(
            log.acquire_leases, self.group, self.topics, self._owner, _now_us(), ttl_us
        )
        gained = owned - self._positions.keys()
        for topic in self._positions.keys() - owned:
            logger.warning("group %s lost its lease on %s", self.group, topic)
            del self._positions[topic]
        if gained:
            self._positions.update(await self.bus._read(log.committed, self.group, gained))
            self._read_at_generation = -1  # new topics to read from

    async def commit(self, records: Sequence[Record]) -> None:
        offsets = {topic: offset for (topic, _), offset in next_offsets(records).items()}
        if not offsets:
            return
        lost = await self.bus._write(log.commit_offsets, self.group, self._owner, offsets, _now_us())
        if lost:
            # Another member took these topics over; it re-reads from the last commit that won.
            logger.warning("group %s: commit refused on %s, lease lost", self.group, lost)
            for topic in lost:
                self._positions.pop(topic, None)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.bus._subscriptions.discard(self)
        if self._positions or self._leases_checked != float("-inf"):
            await self.bus._write(log.release_leases, self.group, self._owner)
        self._positions = {}
