"""A process killed between its DB commit and the publish loses nothing and duplicates no effect.

The "catalog" runs in real subprocesses (tests/integration/events/crash_service.py) that are
SIGKILLed at the worst moments; the "history" consumer runs here with its own database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.db import Database
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.inbox import EventConsumer
from cinemesh.platform.events.outbox import add_to_outbox, messaging_metadata, outbox_table
from tests.integration.events import crash_service

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
TOPIC = "catalog.titles"

history_metadata = sa.MetaData()
applied = sa.Table(
    "applied",
    history_metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title_id", sa.String(64), nullable=False),
)


def catalog(*args: str, kill_after_commit: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CINEMESH_TEST_KILL_AFTER_COMMIT": "1" if kill_after_commit else "0"}
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.events.crash_service", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'history.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(messaging_metadata.create_all)
        await connection.run_sync(history_metadata.create_all)
    yield database
    await database.dispose()


async def apply_title(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(applied.insert().values(title_id=envelope.subject))


async def applied_count(history: Database, title_id: str) -> int:
    async with history.session() as session:
        count = await session.scalar(sa.select(sa.func.count()).where(applied.c.title_id == title_id))
    return int(count or 0)


async def unpublished(db_url: str) -> int:
    database = Database(db_url)
    try:
        async with database.session() as session:
            count = await session.scalar(
                sa.select(sa.func.count())
                .select_from(outbox_table)
                .where(outbox_table.c.published_at.is_(None))
            )
        return int(count or 0)
    finally:
        await database.dispose()


async def commit_title_without_publishing(db_url: str, title_id: str) -> None:
    database = Database(db_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(messaging_metadata.create_all)
        await connection.run_sync(crash_service.metadata.create_all)
    async with database.transaction() as session:
        await session.execute(crash_service.titles.insert().values(id=title_id))
        envelope = Envelope.new(
            type="catalog.title.created.v1", source="cinemesh/catalog", subject=title_id, data={}
        )
        await add_to_outbox(session, TOPIC, envelope)
    await database.dispose()


async def log_size(events_path: Path) -> int:
    async with EmbeddedEventBus(events_path) as bus:
        return (await bus.end_offsets([TOPIC]))[(TOPIC, 0)]


async def consume_all(history: Database, events_path: Path) -> None:
    async with EmbeddedEventBus(events_path) as bus:
        consumer = EventConsumer(bus, history.sessionmaker, "history", [TOPIC], apply_title)
        await consumer.drain(idle_timeout=0.2)
        await consumer.stop()


async def test_killed_after_commit_the_event_is_delivered_after_restart_and_applied_once(
    tmp_path: Path, history: Database
) -> None:
    db_url, events = f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}", tmp_path / "events.db"

    crashed = catalog("write", db_url, str(events), "title-1", kill_after_commit=True)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert await unpublished(db_url) == 1  # committed with the state change ...
    assert await log_size(events) == 0  # ... but never published

    restarted = catalog("relay", db_url, str(events))
    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout.strip() == "1"
    assert await unpublished(db_url) == 0

    await consume_all(history, events)
    assert await applied_count(history, "title-1") == 1

    # A redelivery (the whole log again) is applied zero more times.
    async with EmbeddedEventBus(events) as bus:
        await bus.reset_group("history", [TOPIC], to_offset=0)
    await consume_all(history, events)
    assert await applied_count(history, "title-1") == 1


async def test_killed_after_publish_before_marking_the_event_is_resent_and_applied_once(
    tmp_path: Path, history: Database
) -> None:
    db_url, events = f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}", tmp_path / "events.db"
    await commit_title_without_publishing(db_url, "title-2")

    crashed = catalog("relay-die-after-publish", db_url, str(events))
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert await log_size(events) == 1
    assert await unpublished(db_url) == 1  # the mark was lost with the process

    restarted = catalog("relay", db_url, str(events))
    assert restarted.stdout.strip() == "1", restarted.stderr
    assert await log_size(events) == 2  # at-least-once: the event is on the bus twice

    await consume_all(history, events)
    assert await applied_count(history, "title-2") == 1
