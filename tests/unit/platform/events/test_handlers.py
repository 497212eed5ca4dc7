"""The typed handler registry: dispatch by contract type, parsed payloads, topics from contracts."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.events import EventContract
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.handlers import EventHandlers, handles


class _Watched(EventContract):
    event_type: ClassVar[str] = "test.handlers.watched.v1"
    topic: ClassVar[str] = "test.handlers.history"
    subject_field: ClassVar[str] = "profile_id"
    profile_id: str
    position_seconds: float


class _Billed(EventContract):
    event_type: ClassVar[str] = "test.handlers.billed.v1"
    topic: ClassVar[str] = "test.handlers.billing"
    subject_field: ClassVar[str] = "user_id"
    user_id: str
    amount_minor: int


class _Listener:
    def __init__(self) -> None:
        self.seen: list[object] = []

    @handles(_Watched)
    async def on_watched(self, session: AsyncSession, event: _Watched) -> None:
        self.seen.append(event)

    @handles(_Billed)
    async def on_billed(self, session: AsyncSession, event: _Billed) -> None:
        self.seen.append(event)

    async def not_a_handler(self, session: AsyncSession, event: _Billed) -> None:
        raise AssertionError("unmarked methods are not handlers")


def _envelope(event_type: str, data: dict[str, Any]) -> Envelope:
    return Envelope(
        id="e-1",
        source="test",
        type=event_type,
        subject="s",
        time=dt.datetime.now(dt.UTC),
        data=data,
    )


async def test_each_event_reaches_its_handler_parsed_into_its_contract() -> None:
    listener = _Listener()
    handlers = EventHandlers.collect(listener)
    session: Any = object()  # the handlers here do not touch it
    await handlers(session, _envelope(_Watched.event_type, {"profile_id": "p", "position_seconds": 12.5}))
    await handlers(session, _envelope(_Billed.event_type, {"user_id": "u", "amount_minor": 999, "new": 1}))
    await handlers(session, _envelope("test.handlers.unknown.v1", {"x": 1}))
    assert listener.seen == [
        _Watched(profile_id="p", position_seconds=12.5),
        _Billed(user_id="u", amount_minor=999),
    ]


def test_topics_and_consumer_spec_come_from_the_contracts() -> None:
    handlers = EventHandlers.collect(_Listener())
    assert handlers.topics == ("test.handlers.billing", "test.handlers.history")
    spec = handlers.consumer("history")
    assert spec.group == "history"
    assert tuple(spec.topics) == handlers.topics
    assert set(handlers.contracts) == {_Watched.event_type, _Billed.event_type}


def test_two_handlers_for_one_type_and_sync_handlers_are_refused() -> None:
    with pytest.raises(ValueError, match="two handlers"):
        EventHandlers.collect(_Listener(), _Listener())

    def sync(session: AsyncSession, event: _Watched) -> None:
        pass

    with pytest.raises(TypeError, match="coroutine"):
        EventHandlers().register(_Watched, sync)  # type: ignore[arg-type]
