"""The job queue on both backends: one claimant per job, leases expire, lost leases write nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.media.store import queue
from cinemesh.media.store.videos import JobRow
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).resolve().parents[3] / "src" / "cinemesh" / "media" / "migrations"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[Database]:
    url = (
        postgres_url_factory("media")
        if request.param == "postgresql"
        else f"sqlite+aiosqlite:///{tmp_path}/m.db"
    )
    database = Database(url)
    await upgrade_to_head(database, service="media", script_location=MIGRATIONS)
    try:
        yield database
    finally:
        await database.dispose()


async def claim(database: Database, owner: str, lease: float = 30) -> queue.ClaimedJob | None:
    async with database.transaction() as session:
        return await queue.claim(session, owner=owner, lease_seconds=lease)


async def test_concurrent_workers_never_claim_the_same_job(database: Database) -> None:
    async with database.transaction() as session:
        for index in range(5):
            queue.enqueue(session, f"video-{index}")
    claims = await asyncio.gather(*(claim(database, f"worker-{n}") for n in range(12)))
    claimed = [job.video_id for job in claims if job is not None]
    assert sorted(claimed) == [f"video-{index}" for index in range(5)]


async def test_an_expired_lease_is_taken_over_and_the_old_owner_is_locked_out(database: Database) -> None:
    async with database.transaction() as session:
        queue.enqueue(session, "video-x")
    first = await claim(database, "dead-worker", lease=0.2)
    assert first is not None and first.attempt == 1
    assert await claim(database, "other") is None  # still leased
    await asyncio.sleep(0.4)
    second = await claim(database, "other")
    assert second is not None and second.job_id == first.job_id and second.attempt == 2
    async with database.transaction() as session:
        assert not await queue.heartbeat(session, first, lease_seconds=30)
        assert not await queue.finish(session, first)
        assert await queue.heartbeat(session, second, lease_seconds=30)
        assert await queue.finish(session, second)
    async with database.session() as session:
        row = (await session.execute(sa.select(JobRow))).scalar_one()
    assert row.state == "done" and row.lease_owner is None


async def test_a_retried_job_waits_for_its_backoff(database: Database) -> None:
    async with database.transaction() as session:
        queue.enqueue(session, "video-y")
    job = await claim(database, "w")
    assert job is not None
    async with database.transaction() as session:
        assert await queue.retry_later(session, job, error="transient", delay_seconds=0.3)
    assert await claim(database, "w") is None
    await asyncio.sleep(0.4)
    again = await claim(database, "w")
    assert again is not None and again.attempt == 2
    async with database.session() as session:
        row = await session.get(JobRow, again.job_id)
    assert row is not None and row.error == "transient"
    assert row.next_attempt_at.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC)
