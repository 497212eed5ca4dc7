"""Recording a contract event in the caller's transaction (the transactional outbox)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.events import EventContract
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import add_many_to_outbox, add_to_outbox


def to_envelope(event: EventContract, *, source: str) -> Envelope:
    return Envelope.new(
        type=event.event_type, source=source, subject=event.subject, data=event.model_dump(mode="json")
    )


async def record_event(session: AsyncSession, event: EventContract, *, source: str) -> None:
    """Adds the event to the outbox; it is published only if the transaction commits."""
    await add_to_outbox(session, event.topic, to_envelope(event, source=source))


async def record_events(session: AsyncSession, events: list[EventContract], *, source: str) -> None:
    """Adds the events to the outbox in order, in one statement: for bulk writes."""
    await add_many_to_outbox(session, [(event.topic, to_envelope(event, source=source)) for event in events])
