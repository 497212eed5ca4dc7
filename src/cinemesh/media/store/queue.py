"""The job table as a queue: enqueue, claim with a lease, heartbeat, finish, retry.

A claim is one conditional UPDATE: it takes a job that is queued and due, or running under a
lease that has expired (its worker died), and stamps the caller's lease on it. On PostgreSQL the
candidate is chosen `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on each other; on
SQLite the single statement runs inside the database's one write lock. Every later write of a
job is conditioned on the caller still owning the lease, so a worker that lost its lease (paused,
partitioned) cannot overwrite what its successor did.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.media.store.videos import JobRow, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(frozen=True)
class ClaimedJob:
    job_id: str
    video_id: str
    attempt: int
    owner: str


def enqueue(session: AsyncSession, video_id: str) -> str:
    now = utcnow()
    job_id = str(uuid.uuid4())
    session.add(
        JobRow(
            id=job_id,
            video_id=video_id,
            state=QUEUED,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    return job_id


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        and_(JobRow.state == QUEUED, JobRow.next_attempt_at <= now),
        and_(JobRow.state == RUNNING, JobRow.lease_expires_at < now),
    )


async def claim(session: AsyncSession, *, owner: str, lease_seconds: float) -> ClaimedJob | None:
    now = utcnow()
    # Looked for with a read first: an idle worker polls, and the claiming UPDATE is a write
    # transaction (on SQLite a file lock and an fsync) even when it matches nothing.
    if await session.scalar(select(JobRow.id).where(_claimable(now)).limit(1)) is None:
        return None
    candidate = (
        select(JobRow.id)
        .where(_claimable(now))
        .order_by(JobRow.next_attempt_at, JobRow.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await session.execute(
        update(JobRow)
        .where(JobRow.id == candidate, _claimable(now))
        .values(
            state=RUNNING,
            attempts=JobRow.attempts + 1,
            lease_owner=owner,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
            heartbeat_at=now,
            updated_at=now,
        )
        .returning(JobRow.id, JobRow.video_id, JobRow.attempts)
    )
    row = result.first()
    if row is None:
        return None
    return ClaimedJob(job_id=row[0], video_id=row[1], attempt=row[2], owner=owner)


def _owned(job: ClaimedJob) -> ColumnElement[bool]:
    return and_(JobRow.id == job.job_id, JobRow.state == RUNNING, JobRow.lease_owner == job.owner)


async def heartbeat(session: AsyncSession, job: ClaimedJob, *, lease_seconds: float) -> bool:
    """Extends the lease; False means the lease was lost and the work must stop."""
    now = utcnow()
    result = await session.execute(
        update(JobRow)
        .where(_owned(job), JobRow.lease_expires_at >= now)
        .values(heartbeat_at=now, lease_expires_at=now + dt.timedelta(seconds=lease_seconds), updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def finish(session: AsyncSession, job: ClaimedJob) -> bool:
    result = await session.execute(
        update(JobRow)
        .where(_owned(job))
        .values(state=DONE, lease_owner=None, lease_expires_at=None, error=None, updated_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


async def fail(session: AsyncSession, job: ClaimedJob, *, error: str) -> bool:
    result = await session.execute(
        update(JobRow)
        .where(_owned(job))
        .values(state=FAILED, lease_owner=None, lease_expires_at=None, error=error, updated_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


async def retry_later(session: AsyncSession, job: ClaimedJob, *, error: str, delay_seconds: float) -> bool:
    now = utcnow()
    result = await session.execute(
        update(JobRow)
        .where(_owned(job))
        .values(
            state=QUEUED,
            lease_owner=None,
            lease_expires_at=None,
            error=error,
            next_attempt_at=now + dt.timedelta(seconds=delay_seconds),
            updated_at=now,
        )
    )
    return bool(getattr(result, "rowcount", 0))
