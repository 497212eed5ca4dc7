"""Batch handlers: a fetched batch in one call and one transaction, each event's effect once,
on SQLite and on PostgreSQL (the bus is embedded)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinemesh.platform.events.batching import claim_batch
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.inbox import EventConsumer
from cinemesh.platform.events.outbox import dead_letters_table, inbox_table

pytestmark = pytest.mark.integration

TOPIC = "catalog.titles"
service_metadata = sa.MetaData()
effects = sa.Table(
    "effects",
    service_metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False),
)
Sessions = async_sessionmaker[AsyncSession]


def event(subject: str) -> Envelope:
    return Envelope.new(type="catalog.title.created.v1", source="cinemesh/catalog", subject=subject, data={})


async def record_effect(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(effects.insert().values(event_id=envelope.id))


async def effect_counts(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(effects.c.event_id, sa.func.count()).group_by(effects.c.event_id)
        )
    return {event_id: count for event_id, count in rows.all()}


async def test_claim_batch_returns_the_new_events_in_order_once(sessions: Sessions) -> None:
    first, second, third = event("a"), event("b"), event("c")
    async with sessions() as session, session.begin():
        assert await claim_batch(session, "g", [first, second, first]) == [first, second]
    async with sessions() as session, session.begin():
        assert await claim_batch(session, "g", [second, third, first, third]) == [third]
        assert await claim_batch(session, "other-group", [second]) == [second]
    async with sessions() as session:
        claimed = (
            await session.execute(sa.select(inbox_table.c.consumer_group, inbox_table.c.event_id))
        ).all()
    assert sorted(claimed) == sorted(
        [("g", first.id), ("g", second.id), ("g", third.id), ("other-group", second.id)]
    )


async def test_a_batch_handler_applies_each_event_once_across_redelivery_and_replay(
    sessions: Sessions, bus: EmbeddedEventBus
) -> None:
    sent = [event(f"t-{i}") for i in range(7)]
    await bus.publish_many([(TOPIC, envelope) for envelope in sent])
    await bus.publish_many([(TOPIC, envelope) for envelope in sent[:3]])  # redelivered in the same fetch
    batches: list[list[str]] = []

    async def fold(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        batches.append([envelope.id for envelope in envelopes])
        for envelope in envelopes:
            await record_effect(session, envelope)

    consumer = EventConsumer(bus, sessions, "g", [TOPIC], record_effect, batch_size=100, batch_handler=fold)
    assert await consumer.drain(idle_timeout=0.2) == 10
    await bus.reset_group("g", [TOPIC], to_offset=0)  # a replay without clearing the inbox
    assert await consumer.drain(idle_timeout=0.2) == 10
    await consumer.stop()

    assert batches == [[envelope.id for envelope in sent]]  # the replay found nothing new
    assert await effect_counts(sessions) == {envelope.id: 1 for envelope in sent}


async def test_a_failing_batch_is_redone_one_event_at_a_time(
    sessions: Sessions, bus: EmbeddedEventBus
) -> None:
    good, broken, later = event("good"), event("broken"), event("later")
    await bus.publish_many([(TOPIC, envelope) for envelope in (good, broken, later)])

    async def fold(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            await record_effect(session, envelope)  # rolled back with the whole batch
        raise ValueError("the batch fails")

    async def one(session: AsyncSession, envelope: Envelope) -> None:
        if envelope.subject == "broken":
            raise ValueError("cannot handle broken")
        await record_effect(session, envelope)

    consumer = EventConsumer(
        bus, sessions, "g", [TOPIC], one, max_attempts=2, backoff=0.001, batch_handler=fold
    )
    assert await consumer.drain(idle_timeout=0.2) == 3
    await consumer.stop()

    assert await effect_counts(sessions) == {good.id: 1, later.id: 1}
    async with sessions() as session:
        parked = (await session.scalars(sa.select(dead_letters_table.c.event_id))).all()
    assert parked == [broken.id]
