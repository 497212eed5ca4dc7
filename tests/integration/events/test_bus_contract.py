"""The event bus contract, run against every adapter: embedded SQLite log and Kafka (Tansu).

Every test uses topics of its own (Kafka: a per-test prefix) so tests share one broker safely.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from cinemesh.platform.events import _sqlite_log
from cinemesh.platform.events.bus import EventBus, Record, Subscription
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.kafka import KafkaEventBus

pytestmark = pytest.mark.integration

# Group membership tuned for a test broker: fast joins and fast takeover after a member leaves.
FAST_GROUPS = {
    "session_timeout_ms": 1000,
    "heartbeat_interval_ms": 100,
    "rebalance_timeout_ms": 1000,
    "max_poll_interval_ms": 60_000,
}

BusFactory = Callable[[], Awaitable[EventBus]]


@pytest.fixture(params=["embedded", "kafka"])
def build_bus(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], EventBus]:
    """Builds unstarted buses that all see the same log, so a test can 'restart' a process."""
    if request.param == "kafka":
        bootstrap: str = request.getfixturevalue("kafka_bootstrap")
        prefix = f"t{uuid.uuid4().hex[:10]}."
        return lambda: KafkaEventBus(
            bootstrap, topic_prefix=prefix, num_partitions=3, consumer_options=FAST_GROUPS
        )
    return lambda: EmbeddedEventBus(tmp_path / "events.db")


@pytest.fixture
async def new_bus(build_bus: Callable[[], EventBus]) -> AsyncIterator[BusFactory]:
    buses: list[EventBus] = []

    async def start() -> EventBus:
        bus = build_bus()
        await bus.start()
        buses.append(bus)
        return bus

    yield start
    for bus in buses:
        await bus.close()


def event(subject: str, **data: object) -> Envelope:
    return Envelope.new(type="test.thing.happened.v1", source="cinemesh/tests", subject=subject, data=data)


async def take(subscription: Subscription, count: int, *, within: float = 15.0) -> list[Record]:
    """Fetches until `count` records arrived; fails (never hangs) if they do not come in time."""
    records: list[Record] = []
    async with asyncio.timeout(within):
        while len(records) < count:
            records += await subscription.fetch(max_records=count - len(records), timeout=1.0)
    assert len(records) == count
    return records


async def assert_nothing_more(subscription: Subscription) -> None:
    assert await subscription.fetch(timeout=0.3) == []


async def test_round_trip_keeps_the_envelope_and_keys_by_subject(new_bus: BusFactory) -> None:
    bus = await new_bus()
    sent = event("title-1", name="Alien")
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await bus.publish("catalog.titles", sent)

    async with bus.subscribe("g", ["catalog.titles"]) as subscription:
        [record] = await take(subscription, 1)

    assert record.envelope == sent
    assert record.topic == "catalog.titles"
    assert record.key == "title-1"
    assert before <= record.timestamp <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


async def test_explicit_key_overrides_the_subject(new_bus: BusFactory) -> None:
    bus = await new_bus()
    await bus.publish("t", event("subject-a"), key="other-key")
    async with bus.subscribe("g", ["t"]) as subscription:
        [record] = await take(subscription, 1)
    assert record.key == "other-key"


async def test_each_keys_events_arrive_in_publish_order(new_bus: BusFactory) -> None:
    bus = await new_bus()
    keys = [f"title-{k}" for k in range(7)]
    # Interleaved, and through both paths: single publishes and batches.
    for seq in range(20):
        await bus.publish("t", event(keys[seq % 7], seq=seq))
    batch = [("t", event(keys[seq % 7], seq=seq)) for seq in range(20, 140)]
    await bus.publish_many(batch[:60])
    await bus.publish_many(batch[60:])

    async with bus.subscribe("g", ["t"]) as subscription:
        records = await take(subscription, 140)
        await assert_nothing_more(subscription)

    by_key: dict[str, list[int]] = {}
    for record in records:
        by_key.setdefault(record.envelope.subject, []).append(record.envelope.data["seq"])
    assert set(by_key) == set(keys)
    for key, seqs in by_key.items():
        assert seqs == sorted(seqs), f"{key} out of order: {seqs}"
        assert len(seqs) == 20


async def test_a_restart_resumes_after_the_last_commit(new_bus: BusFactory) -> None:
    bus = await new_bus()
    await bus.publish_many([("t", event("one-key", seq=seq)) for seq in range(10)])

    subscription = bus.subscribe("g", ["t"])
    records = await take(subscription, 10)
    assert [r.envelope.data["seq"] for r in records] == list(range(10))
    await subscription.commit(records[:6])
    await subscription.close()
    await bus.close()

    restarted = await new_bus()
    async with restarted.subscribe("g", ["t"]) as subscription:
        again = await take(subscription, 4)
        await assert_nothing_more(subscription)
    assert [r.envelope.data["seq"] for r in again] == [6, 7, 8, 9]


async def test_every_group_gets_every_record(new_bus: BusFactory) -> None:
    bus = await new_bus()
    sent = [("t", event(f"k{i}", seq=i)) for i in range(30)]
    await bus.publish_many(sent)

    async with bus.subscribe("billing", ["t"]) as first, bus.subscribe("history", ["t"]) as second:
        got_first, got_second = await asyncio.gather(take(first, 30), take(second, 30))
        await first.commit(got_first)

    expected = {envelope.id for _, envelope in sent}
    assert {r.envelope.id for r in got_first} == expected
    assert {r.envelope.id for r in got_second} == expected


async def test_a_group_reads_several_topics(new_bus: BusFactory) -> None:
    bus = await new_bus()
    await bus.publish_many([("a", event("x", n=1)), ("b", event("y", n=2))])
    async with bus.subscribe("g", ["a", "b"]) as subscription:
        records = await take(subscription, 2)
    assert {(r.topic, r.envelope.data["n"]) for r in records} == {("a", 1), ("b", 2)}


async def test_reset_to_offset_zero_replays_everything(new_bus: BusFactory) -> None:
    bus = await new_bus()
    await bus.publish_many([("t", event(f"k{i}", seq=i)) for i in range(12)])
    async with bus.subscribe("read-model", ["t"]) as subscription:
        await subscription.commit(await take(subscription, 12))

    await bus.reset_group("read-model", ["t"], to_offset=0)

    async with bus.subscribe("read-model", ["t"]) as subscription:
        replayed = await take(subscription, 12)
        await assert_nothing_more(subscription)
    assert sorted(r.envelope.data["seq"] for r in replayed) == list(range(12))


async def test_reset_to_a_time_replays_from_that_time(new_bus: BusFactory) -> None:
    bus = await new_bus()
    await bus.publish_many([("t", event(f"k{i}", batch="old")) for i in range(5)])
    await asyncio.sleep(0.02)  # clock separation only (Kafka timestamps are milliseconds)
    boundary = dt.datetime.now(dt.UTC)
    await asyncio.sleep(0.02)
    await bus.publish_many([("t", event(f"k{i}", batch="new")) for i in range(5)])
    async with bus.subscribe("g", ["t"]) as subscription:
        await subscription.commit(await take(subscription, 10))

    await bus.reset_group("g", ["t"], to_time=boundary)

    async with bus.subscribe("g", ["t"]) as subscription:
        replayed = await take(subscription, 5)
        await assert_nothing_more(subscription)
    assert {r.envelope.data["batch"] for r in replayed} == {"new"}


async def test_reset_rejects_ambiguous_arguments(new_bus: BusFactory) -> None:
    bus = await new_bus()
    with pytest.raises(ValueError, match="exactly one"):
        await bus.reset_group("g", ["t"])
    with pytest.raises(ValueError, match="exactly one"):
        await bus.reset_group("g", ["t"], to_offset=0, to_time=dt.datetime.now(dt.UTC))


async def inject_raw(bus: EventBus, topic: str, key: str, payload: bytes) -> None:
    """Writes bytes that bypass the envelope, as a buggy or foreign producer would."""
    if isinstance(bus, EmbeddedEventBus):
        await bus._write(_sqlite_log.append, [(topic, key, payload)], time.time_ns() // 1000)
        return
    assert isinstance(bus, KafkaEventBus)
    await bus.ensure_topics([topic])
    producer = AIOKafkaProducer(bootstrap_servers=bus.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(bus.physical(topic), payload, key=key.encode())
    finally:
        await producer.stop()


async def test_poison_records_are_skipped_and_committed_past(new_bus: BusFactory) -> None:
    bus = await new_bus()
    await inject_raw(bus, "t", "k", b"\x00not json")
    await inject_raw(bus, "t", "k", b'{"specversion": "1.0", "no": "fields"}')
    good = event("k", ok=True)
    await bus.publish("t", good)

    async with bus.subscribe("g", ["t"]) as subscription:
        [record] = await take(subscription, 1)
        await subscription.commit([record])
    assert record.envelope == good

    async with bus.subscribe("g", ["t"]) as subscription:
        await assert_nothing_more(subscription)


# --- Embedded only: the log file is shared by the processes of one machine -------------------


async def test_embedded_group_has_one_reader_and_a_standby_takes_over(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    async with EmbeddedEventBus(path) as one, EmbeddedEventBus(path, lease_ttl=0.5) as other:
        await one.publish_many([("t", event("k", seq=i)) for i in range(4)])
        active = one.subscribe("g", ["t"])
        records = await take(active, 4)
        await active.commit(records[:2])

        standby = other.subscribe("g", ["t"])
        assert await standby.fetch(timeout=0.3) == []  # the lease is held: no double reading

        await active.close()  # releases the lease; the standby resumes at the last commit
        taken_over = await take(standby, 2)
        assert [r.envelope.data["seq"] for r in taken_over] == [2, 3]
        await standby.close()


async def test_embedded_fetch_sees_another_connections_publish_by_polling(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    async with EmbeddedEventBus(path, poll_interval=0.02) as reader, EmbeddedEventBus(path) as writer:
        async with reader.subscribe("g", ["t"]) as subscription:
            waiting = asyncio.create_task(take(subscription, 1, within=5))
            await asyncio.sleep(0.05)  # let the fetch start waiting first
            await writer.publish("t", event("k"))
            [record] = await waiting
        assert record.key == "k"
