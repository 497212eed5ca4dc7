"""The event bus port: what services publish to and consume from, whatever the backend.

Semantics every adapter honours (and tests/integration/events/test_bus_contract.py checks):

* A topic is a log of records; a record's key (the aggregate id) picks its partition, and
  records of one partition are delivered in publish order, so one entity's events stay ordered.
* A consumer group has one committed offset per partition. A new group starts at the earliest
  record. Fetching does not commit: records that were fetched but not committed are delivered
  again after a restart (at-least-once). Consumers make effects exactly-once with the inbox.
* Records whose payload is not a valid envelope are logged and skipped, never handed out.
* `reset_group` rewinds (or forwards) a group for replay; run it while the group is stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Self

from cinemesh.platform.events.envelope import Envelope

logger = logging.getLogger("cinemesh.events")


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    envelope: Envelope
    timestamp: dt.datetime


def next_offsets(records: Iterable[Record]) -> dict[tuple[str, int], int]:
    """The offset to commit per (topic, partition): one past the highest record given."""
    positions: dict[tuple[str, int], int] = {}
    for record in records:
        where = (record.topic, record.partition)
        positions[where] = max(positions.get(where, 0), record.offset + 1)
    return positions


def log_poison(topic: str, partition: int, offset: int, payload: bytes | None, error: Exception) -> None:
    logger.error(
        "skipping poison record %s[%d]@%d: %s; payload starts %r",
        topic,
        partition,
        offset,
        error,
        (payload or b"")[:200],
        extra={"topic": topic, "partition": partition, "offset": offset},
    )


class Subscription(ABC):
    """One member of a consumer group, reading a fixed set of topics."""

    @abstractmethod
    # A timeout argument (not asyncio.timeout around the call) because an empty batch is a
    # normal answer, not an error, and Kafka's getmany needs the value to long-poll the broker.
    async def fetch(self, max_records: int = 500, timeout: float = 1.0) -> list[Record]:  # noqa: ASYNC109
        """The next records, waiting up to `timeout` seconds for at least one; [] if none came."""

    @abstractmethod
    async def commit(self, records: Sequence[Record]) -> None:
        """Marks these records (and everything before them in their partitions) consumed."""

    @abstractmethod
    async def close(self) -> None:
        """Leaves the group; uncommitted records go to whoever reads the partition next."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


class EventBus(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    async def publish(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        """Durably appends one event; `key` defaults to the envelope's subject (the aggregate id)."""
        await self.publish_many([(topic, envelope)], keys=[key])

    @abstractmethod
    async def publish_many(
        self, events: Sequence[tuple[str, Envelope]], *, keys: Sequence[str | None] | None = None
    ) -> None:
        """Appends events in order; returns once all are durable. Keys default to the subjects."""

    @abstractmethod
    def subscribe(self, group: str, topics: Sequence[str]) -> Subscription: ...

    @abstractmethod
    async def reset_group(
        self,
        group: str,
        topics: Sequence[str],
        *,
        to_offset: int | None = None,
        to_time: dt.datetime | None = None,
    ) -> None:
        """Moves the group's committed offsets: to `to_offset` (0 = the beginning) in every
        partition, or to the first record at or after `to_time` (the end if there is none)."""

    @abstractmethod
    async def end_offsets(self, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        """Per (topic, partition), the offset the next published record will get."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


def resolve_keys(events: Sequence[tuple[str, Envelope]], keys: Sequence[str | None] | None) -> list[str]:
    if keys is not None and len(keys) != len(events):
        raise ValueError("keys must match events one to one")
    given = keys if keys is not None else [None] * len(events)
    return [
        key if key is not None else envelope.subject for key, (_, envelope) in zip(given, events, strict=True)
    ]


def check_reset_args(to_offset: int | None, to_time: dt.datetime | None) -> None:
    if (to_offset is None) == (to_time is None):
        raise ValueError("give exactly one of to_offset and to_time")
    if to_offset is not None and to_offset < 0:
        raise ValueError("to_offset must be >= 0")
    if to_time is not None and to_time.tzinfo is None:
        raise ValueError("to_time must be timezone-aware")
