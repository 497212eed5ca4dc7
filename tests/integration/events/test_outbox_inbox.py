"""Outbox, relay and idempotent consumer, on SQLite and on PostgreSQL (the bus is embedded)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinemesh.platform.context import request_id_var
from cinemesh.platform.events.bus import Record, Subscription
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.inbox import EventConsumer, clear_inbox
from cinemesh.platform.events.outbox import (
    OutboxRelay,
    add_to_outbox,
    dead_letters_table,
    outbox_table,
)

pytestmark = pytest.mark.integration

TOPIC = "catalog.titles"

service_metadata = sa.MetaData()
titles = sa.Table("titles", service_metadata, sa.Column("id", sa.String(64), primary_key=True))
# One row per handler application: the count is the number of times an effect happened.
effects = sa.Table(
    "effects",
    service_metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("request_id", sa.String(64)),
)

Sessions = async_sessionmaker[AsyncSession]


def title_created(title_id: str) -> Envelope:
    return Envelope.new(type="catalog.title.created.v1", source="cinemesh/catalog", subject=title_id, data={})


async def create_title(sessions: Sessions, title_id: str) -> Envelope:
    """What a service does: state change and event in one transaction."""
    envelope = title_created(title_id)
    async with sessions() as session, session.begin():
        await session.execute(titles.insert().values(id=title_id))
        await add_to_outbox(session, TOPIC, envelope)
    return envelope


async def record_effect(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(effects.insert().values(event_id=envelope.id, request_id=request_id_var.get()))


async def effect_counts(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(effects.c.event_id, sa.func.count()).group_by(effects.c.event_id)
        )
        return {event_id: count for event_id, count in rows}


async def read_all(subscription: Subscription) -> list[Record]:
    records, batch = [], await subscription.fetch(timeout=0.3)
    while batch:
        records += batch
        batch = await subscription.fetch(timeout=0.3)
    return records


async def until(condition: Callable[[], Awaitable[bool]], *, within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while not await condition():
            await asyncio.sleep(0.01)


async def test_an_event_exists_only_if_its_transaction_committed(
    sessions: Sessions, bus: EmbeddedEventBus
) -> None:
    committed = await create_title(sessions, "t-1")
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await add_to_outbox(session, TOPIC, title_created("t-2"))
            raise RuntimeError("the state change failed")

    assert await OutboxRelay(sessions, bus).publish_pending() == 1
    async with bus.subscribe("g", [TOPIC]) as subscription:
        assert [r.envelope for r in await read_all(subscription)] == [committed]


async def test_relay_publishes_in_commit_order_once_and_marks_rows(
    sessions: Sessions, bus: EmbeddedEventBus
) -> None:
    sent = [await create_title(sessions, f"t-{i}") for i in range(30)]
    relay = OutboxRelay(sessions, bus, batch_size=7)

    assert await relay.publish_pending() == 30
    assert await relay.publish_pending() == 0

    async with bus.subscribe("g", [TOPIC]) as subscription:
        assert [r.envelope.id for r in await read_all(subscription)] == [e.id for e in sent]
    async with sessions() as session:
        unpublished = await session.scalar(
            sa.select(sa.func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))
        )
    assert unpublished == 0


async def test_two_relays_at_once_publish_each_event_once_in_order(
    sessions: Sessions, bus: EmbeddedEventBus
) -> None:
    async with sessions() as session, session.begin():
        sent = [title_created(f"t-{i}") for i in range(200)]
        for envelope in sent:
            await add_to_outbox(session, TOPIC, envelope)

    first, second = OutboxRelay(sessions, bus, batch_size=20), OutboxRelay(sessions, bus, batch_size=20)
    counts = await asyncio.gather(first.publish_pending(), second.publish_pending())

    assert sum(counts) == 200
    async with bus.subscribe("g", [TOPIC]) as subscription:
        assert [r.envelope.id for r in await read_all(subscription)] == [e.id for e in sent]


async def test_redelivered_events_take_effect_once(sessions: Sessions, bus: EmbeddedEventBus) -> None:
    token = request_id_var.set("req-42")
    try:
        sent = [await create_title(sessions, f"t-{i}") for i in range(5)]
    finally:
        request_id_var.reset(token)
    await OutboxRelay(sessions, bus).publish_pending()
    await bus.publish_many([(TOPIC, envelope) for envelope in sent])  # a redelivery of every event

    consumer = EventConsumer(bus, sessions, "history", [TOPIC], record_effect)
    assert await consumer.drain(idle_timeout=0.2) == 10
    await bus.reset_group("history", [TOPIC], to_offset=0)  # and a replay of all of them
    assert await consumer.drain(idle_timeout=0.2) == 10
    await consumer.stop()

    assert await effect_counts(sessions) == {e.id: 1 for e in sent}
    async with sessions() as session:
        assert set((await session.scalars(sa.select(effects.c.request_id))).all()) == {"req-42"}


async def test_rebuild_clears_the_inbox_and_replays(sessions: Sessions, bus: EmbeddedEventBus) -> None:
    sent = await create_title(sessions, "t-1")
    await OutboxRelay(sessions, bus).publish_pending()
    consumer = EventConsumer(bus, sessions, "read-model", [TOPIC], record_effect)
    await consumer.drain(idle_timeout=0.2)
    await consumer.stop()

    async with sessions() as session, session.begin():
        await session.execute(effects.delete())
        await clear_inbox(session, "read-model")
    await bus.reset_group("read-model", [TOPIC], to_offset=0)
    await consumer.drain(idle_timeout=0.2)
    await consumer.stop()

    assert await effect_counts(sessions) == {sent.id: 1}


async def test_failing_handler_is_retried_then_parked_and_the_consumer_moves_on(
    sessions: Sessions, bus: EmbeddedEventBus
) -> None:
    flaky, broken, fine = [await create_title(sessions, name) for name in ("flaky", "broken", "fine")]
    await OutboxRelay(sessions, bus).publish_pending()
    calls: dict[str, int] = {}

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        calls[envelope.subject] = calls.get(envelope.subject, 0) + 1
        await record_effect(session, envelope)  # rolled back with the failure below
        if envelope.subject == "broken" or (envelope.subject == "flaky" and calls["flaky"] < 3):
            raise ValueError(f"cannot handle {envelope.subject}")

    consumer = EventConsumer(bus, sessions, "g", [TOPIC], handler, max_attempts=3, backoff=0.001)
    assert await consumer.drain(idle_timeout=0.2) == 3
    await bus.publish(TOPIC, broken)  # a redelivery of a parked event is not retried again
    await consumer.drain(idle_timeout=0.2)
    await consumer.stop()

    assert calls == {"flaky": 3, "broken": 3, "fine": 1}
    assert await effect_counts(sessions) == {flaky.id: 1, fine.id: 1}
    async with sessions() as session:
        parked = (await session.execute(sa.select(dead_letters_table))).one()
    assert parked.event_id == broken.id
    assert "cannot handle broken" in parked.error
    assert Envelope.from_bytes(parked.payload) == broken


async def test_running_relay_and_consumer_deliver_within_moments_of_a_wake(
    sessions: Sessions, bus: EmbeddedEventBus
) -> None:
    relay = OutboxRelay(sessions, bus, poll_interval=60)  # only the wake can make it publish
    consumer = EventConsumer(bus, sessions, "g", [TOPIC], record_effect)
    await relay.start()
    await consumer.start()
    try:
        await asyncio.sleep(0.05)  # the relay's first (empty) pass is over; it now sleeps 60 s
        sent = await create_title(sessions, "t-1")
        relay.wake()

        async def applied() -> bool:
            return await effect_counts(sessions) == {sent.id: 1}

        await until(applied, within=5.0)
    finally:
        await consumer.stop()
        await relay.stop()
