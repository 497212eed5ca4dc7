"""The media service's tables (videos, jobs) and the queries on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, Integer, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cinemesh.media.domain import VideoStatus


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were written as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# What of a video has been announced: its `transcoded` events are recorded with this moving
# forward in the same transaction, so a re-run after a crash never publishes a stage twice.
PUBLISHED_NONE, PUBLISHED_FIRST_RUNG, PUBLISHED_COMPLETE = 0, 1, 2


class VideoRow(Base):
    __tablename__ = "videos"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the tus upload id
    title_id: Mapped[str] = mapped_column(String(64), index=True)
    owner_id: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    offset_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    probe: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any] | None]  # the last published VideoTranscodedV1 payload
    published: Mapped[int] = mapped_column(Integer, default=PUBLISHED_NONE)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    video_id: Mapped[str] = mapped_column(String(36), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # queued, running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    next_attempt_at: Mapped[dt.datetime]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class VideoStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: VideoRow) -> None:
        self.session.add(row)

    async def get(self, video_id: str, *, for_update: bool = False) -> VideoRow | None:
        query = select(VideoRow).where(VideoRow.id == video_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def advance_offset(self, video_id: str, *, expected: int, new_offset: int) -> bool:
        """Moves the offset only from `expected`: two PATCHes racing on one upload cannot both win."""
        result = await self.session.execute(
            update(VideoRow)
            .where(VideoRow.id == video_id, VideoRow.offset_bytes == expected)
            .values(offset_bytes=new_offset, updated_at=utcnow())
        )
        return bool(getattr(result, "rowcount", 0))

    async def set_state(
        self,
        video_id: str,
        *,
        status: VideoStatus,
        stage: str | None = None,
        progress: float | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "updated_at": utcnow(), "error": error}
        if stage is not None:
            values["stage"] = stage
        if progress is not None:
            values["progress"] = progress
        await self.session.execute(update(VideoRow).where(VideoRow.id == video_id).values(**values))

    async def set_probe(self, video_id: str, probe: dict[str, Any]) -> None:
        await self.session.execute(update(VideoRow).where(VideoRow.id == video_id).values(probe=probe))

    async def mark_published(self, video_id: str, *, stage: int, result: dict[str, Any]) -> bool:
        """Records that `stage` was announced; False if it (or a later one) already was."""
        outcome = await self.session.execute(
            update(VideoRow)
            .where(VideoRow.id == video_id, VideoRow.published < stage)
            .values(published=stage, result=result, updated_at=utcnow())
        )
        return bool(getattr(outcome, "rowcount", 0))
