"""Use cases of the analytics service: taking the players' beacons in, and the reports.

Beacons go through one ingester: requests hand it their batches and wait; it appends everything
that queued up meanwhile in one transaction (a group commit), so a burst of small batches costs
a few appends, and DuckDB has a single writer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter as MetricCounter

from cinemesh.analytics.domain import (
    BeaconsRejectedError,
    Period,
    Reader,
    Rejection,
    ReportFilter,
    SessionNotYoursError,
    TitleFiguresNotFoundError,
    TitleRequiredError,
    Viewer,
    parse_beacons,
)
from cinemesh.analytics.store import AnalyticsStore, Appended, PendingBatch
from cinemesh.platform.background import TaskSet
from cinemesh.platform.ratelimit import BucketPolicy, Decision, MemoryTokenBuckets, Take

BEACONS = MetricCounter(
    "cinemesh_analytics_beacons_total", "Player beacons received, by outcome.", ["outcome"]
)


@dataclass(frozen=True, slots=True)
class Ingested:
    accepted: int
    rejected: int


@dataclass(frozen=True, slots=True)
class RateLimited:
    decision: Decision


@dataclass
class _Queued:
    batch: PendingBatch
    done: asyncio.Future[Appended] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Ingester:
    """The single writer of beacons: appends whatever queued up, in arrival order."""

    def __init__(self, store: AnalyticsStore, *, max_rows: int = 5000) -> None:
        self.store = store
        self.max_rows = max_rows
        self._queue: asyncio.Queue[_Queued] = asyncio.Queue()

    async def submit(self, batch: PendingBatch) -> Appended:
        queued = _Queued(batch)
        self._queue.put_nowait(queued)
        return await queued.done

    async def run(self) -> None:
        while True:
            group = [await self._queue.get()]
            rows = len(group[0].batch.beacons)
            while rows < self.max_rows and not self._queue.empty():
                group.append(self._queue.get_nowait())
                rows += len(group[-1].batch.beacons)
            try:
                results = await self.store.append([queued.batch for queued in group])
            except Exception as exc:  # each waiting request answers for itself
                for queued in group:
                    if not queued.done.done():
                        queued.done.set_exception(exc)
                continue
            for queued, result in zip(group, results, strict=True):
                if not queued.done.done():
                    queued.done.set_result(result)


class AnalyticsService:
    def __init__(
        self,
        *,
        store: AnalyticsStore,
        max_batch_events: int,
        session_events_per_minute: int,
    ) -> None:
        self.store = store
        self.max_batch_events = max_batch_events
        self.ingester = Ingester(store)
        self._buckets = MemoryTokenBuckets()
        self._policy = BucketPolicy("beacons-per-session", session_events_per_minute, 60.0)

    async def start(self, tasks: TaskSet) -> None:
        await self.store.start()
        tasks.spawn("ingester", self.ingester.run())

    async def ingest(self, *, viewer: Viewer, batch: object, now: dt.datetime) -> Ingested | RateLimited:
        """Stores a batch's well-formed beacons of the viewer's own sessions. Raises when some
        were refused (the rest are kept), answers RateLimited when a session sent too many."""
        beacons, rejections = parse_beacons(batch, max_events=self.max_batch_events, now=now)
        if beacons:
            per_session = Counter(beacon.sid for beacon in beacons)
            takes = [Take(f"{viewer.user_id}:{sid}", self._policy, cost) for sid, cost in per_session.items()]
            decision = await self._buckets.take(takes)
            if not decision.allowed:
                BEACONS.labels("rate_limited").inc(len(beacons) + len(rejections))
                return RateLimited(decision)
        appended = await self.ingester.submit(PendingBatch(viewer, beacons)) if beacons else None
        refused = appended.refused if appended else frozenset()
        kept = sum(1 for beacon in beacons if beacon.sid not in refused)
        foreign = len(beacons) - kept
        BEACONS.labels("accepted").inc(kept)
        BEACONS.labels("malformed").inc(len(rejections))
        BEACONS.labels("foreign_session").inc(foreign)
        counts = {"accepted": kept, "rejected": len(rejections) + foreign}
        if rejections:
            raise _rejected(rejections, counts)
        if foreign:
            raise SessionNotYoursError(
                "These playback sessions belong to another account; their events were refused.",
                field="events.sid",
                **counts,
            )
        return Ingested(**counts)

    async def purge(self, *, now: dt.datetime, retention: dt.timedelta) -> int:
        return await self.store.purge_beacons(before=now - retention)

    async def _may_read(self, reader: Reader, title_id: str | None) -> None:
        if reader.admin:
            return
        if title_id is None:
            raise TitleRequiredError(
                "A content provider reads the figures of one of its titles.", field="title_id"
            )
        if await self.store.title_owner(title_id) != reader.user_id:
            raise TitleFiguresNotFoundError("No figures of this title for you.", field="title_id")

    async def qoe(self, query: ReportFilter, *, reader: Reader) -> dict[str, Any]:
        await self._may_read(reader, query.title_id)
        return await self.store.qoe(query)

    async def title(self, *, title_id: str, period: Period, reader: Reader) -> dict[str, Any]:
        await self._may_read(reader, title_id)
        return await self.store.title(title_id, period)

    async def business(self, *, period: Period) -> dict[str, Any]:
        return await self.store.business(period)


def _rejected(rejections: Sequence[Rejection], counts: dict[str, int]) -> BeaconsRejectedError:
    first = rejections[0]
    return BeaconsRejectedError(
        f"{len(rejections)} malformed beacon(s) dropped; first: {first.field} {first.reason}.",
        field=first.field,
        rejections=[{"field": r.field, "message": r.reason} for r in rejections[:20]],
        **counts,
    )
