"""The media service's tables (videos, jobs, the catalog titles it knows) and the queries on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cinemesh.contracts.media import FEATURE
from cinemesh.media.domain.videos import VideoStatus


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

# For UPDATEs whose WHERE compares datetimes: the ORM's default ("evaluate") would re-check the
# condition in Python against rows already loaded in the session, and SQLite hands those back
# naive, which cannot be compared with an aware cutoff. "fetch" asks the database instead.
_FETCH = "fetch"


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
    # Which spool holds the upload's bytes (`Spool.identity`); null for rows older than 0003.
    spool_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # "feature" (the title's or episode's own video) or "trailer" (`contracts.media` kinds).
    kind: Mapped[str] = mapped_column(String(16), default=FEATURE, server_default=FEATURE)
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


class KnownContentRow(Base):
    """What media knows of a catalog title: a projection of `catalog.title.updated.v1`.

    One row per id an upload may name: the title itself and each of its episodes (the catalog
    accepts media events for either). Media never asks the catalog; it learns from its events.
    """

    __tablename__ = "catalog_contents"

    content_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title_id: Mapped[str] = mapped_column(String(64), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))  # the catalog's `created_by`
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)


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

    async def advance_offset(
        self, video_id: str, *, expected: int, new_offset: int, now: dt.datetime | None = None
    ) -> bool:
        """Moves the offset only from `expected`: two PATCHes racing on one upload cannot both win,
        and a PATCH cannot revive an upload the sweeper expired meanwhile."""
        result = await self.session.execute(
            update(VideoRow)
            .where(
                VideoRow.id == video_id,
                VideoRow.offset_bytes == expected,
                VideoRow.status == VideoStatus.UPLOADING.value,
            )
            .values(offset_bytes=new_offset, updated_at=now or utcnow())
        )
        return bool(getattr(result, "rowcount", 0))

    async def finish_upload(
        self,
        video_id: str,
        *,
        status: VideoStatus,
        stage: str,
        progress: float | None = None,
        error: str | None = None,
    ) -> bool:
        """`uploading` -> `status` when the last byte is in; False if the upload was terminated
        or expired meanwhile (that outcome stands)."""
        values: dict[str, Any] = {
            "status": status.value,
            "stage": stage,
            "error": error,
            "updated_at": utcnow(),
        }
        if progress is not None:
            values["progress"] = progress
        result = await self.session.execute(
            update(VideoRow)
            .where(VideoRow.id == video_id, VideoRow.status == VideoStatus.UPLOADING.value)
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))

    async def touch_upload(self, video_id: str, *, not_before: dt.datetime) -> dt.datetime | None:
        """Marks activity on an upload that has not expired (last activity at or after
        `not_before`); returns the new activity time, or None if it is expired or finished.

        One conditional statement both checks and extends, so a PATCH that starts just before the
        deadline cannot be swept while its bytes are streaming."""
        now = utcnow()
        result = await self.session.execute(
            update(VideoRow)
            .where(
                VideoRow.id == video_id,
                VideoRow.status == VideoStatus.UPLOADING.value,
                VideoRow.updated_at >= not_before,
            )
            .values(updated_at=now)
            .execution_options(synchronize_session=_FETCH)
        )
        return now if getattr(result, "rowcount", 0) else None

    async def stale_uploads(self, *, idle_since: dt.datetime, limit: int) -> list[str]:
        """Ids of uploads with no accepted bytes since `idle_since`."""
        rows = await self.session.execute(
            select(VideoRow.id)
            .where(VideoRow.status == VideoStatus.UPLOADING.value, VideoRow.updated_at < idle_since)
            .order_by(VideoRow.updated_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def expire_upload(self, video_id: str, *, idle_since: dt.datetime, reason: str) -> VideoRow | None:
        """`uploading` -> `failed` if still idle since `idle_since`; the row if this call did it.

        Conditional, so several sweepers (one per process) expire an upload once."""
        result = await self.session.execute(
            update(VideoRow)
            .where(
                VideoRow.id == video_id,
                VideoRow.status == VideoStatus.UPLOADING.value,
                VideoRow.updated_at < idle_since,
            )
            .values(status=VideoStatus.FAILED.value, stage="uploading", error=reason, updated_at=utcnow())
            .execution_options(synchronize_session=_FETCH)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return await self.get(video_id)

    async def statuses(self, video_ids: list[str]) -> dict[str, str]:
        query = select(VideoRow.id, VideoRow.status).where(VideoRow.id.in_(video_ids))
        rows = await self.session.execute(query)
        return {video_id: status for video_id, status in rows}

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


class ContentStore:
    """The catalog-title projection (`KnownContentRow`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, content_id: str) -> KnownContentRow | None:
        query = select(KnownContentRow).where(KnownContentRow.content_id == content_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def version_of(self, title_id: str) -> int | None:
        query = select(KnownContentRow.version).where(KnownContentRow.content_id == title_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def replace_title(self, title_id: str, rows: list[dict[str, Any]]) -> None:
        """Replaces every row of `title_id` (episodes removed from the title disappear with it).

        Core statements, not ORM objects: the consumer may apply several snapshots of one title in
        one transaction, and the identity map must not hold rows the next snapshot deletes."""
        await self.session.execute(delete(KnownContentRow).where(KnownContentRow.title_id == title_id))
        if rows:
            await self.session.execute(insert(KnownContentRow), rows)

    async def clear(self) -> None:
        await self.session.execute(delete(KnownContentRow))
