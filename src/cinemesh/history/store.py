"""Viewing history's tables (SQLAlchemy Core) and queries, run in the caller's session.

`history_profiles` is the projection of the users service's profiles (who owns which) and
each profile's change counter: every change to a profile's history takes the next number
under the profile row's lock, so the numbers follow commit order and a stream resumes from
one (`Last-Event-ID`). `history_progress` holds one row per profile and content, updated in
place by each report (no row per report).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.history.domain import Progress
from cinemesh.platform.db import rows_affected

metadata = sa.MetaData()

profiles = sa.Table(
    "history_profiles",
    metadata,
    sa.Column("profile_id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("is_kids", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("change_seq", sa.BigInteger, nullable=False, server_default="0"),
    # The change number of the last deletion: a stream behind it is sent a fresh snapshot.
    sa.Column("removed_seq", sa.BigInteger, nullable=False, server_default="0"),
    # users' `watch_history_included` preference: false keeps the profile out of recommendations.
    sa.Column("watch_history_included", sa.Boolean, nullable=False, server_default=sa.true()),
)

progress = sa.Table(
    "history_progress",
    metadata,
    sa.Column("profile_id", sa.String(36), primary_key=True),
    sa.Column("content_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("title_id", sa.String(64)),
    sa.Column("device_id", sa.String(64)),
    sa.Column("position_seconds", sa.Float),
    sa.Column("duration_seconds", sa.Float),
    sa.Column("completed", sa.Boolean, nullable=False),
    sa.Column("times_watched", sa.Integer, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("watched_at", sa.DateTime(timezone=True)),
    sa.Column("session_id", sa.String(36)),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("reported_at", sa.DateTime(timezone=True)),
    sa.Column("counted_session_id", sa.String(36)),
    sa.Column("change_seq", sa.BigInteger, nullable=False),
    sa.Column("progress_event_at", sa.DateTime(timezone=True)),
    sa.Index("ix_history_progress_recent", "profile_id", "updated_at"),
    sa.Index("ix_history_progress_watched", "profile_id", "completed", "watched_at"),
    sa.Index("ix_history_progress_changes", "profile_id", "change_seq"),
)

_PROGRESS_FIELDS = tuple(Progress.__dataclass_fields__)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every time here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _to_progress(row: Any) -> Progress:
    values = {name: getattr(row, name) for name in _PROGRESS_FIELDS}
    for name in ("updated_at", "watched_at", "reported_at"):
        values[name] = utc(values[name])
    return Progress(**values)


@dataclass(frozen=True)
class StoredProgress:
    progress: Progress
    change_seq: int
    progress_event_at: dt.datetime | None


@dataclass(frozen=True)
class ProfileState:
    profile_id: str
    user_id: str
    is_kids: bool
    paused: bool
    change_seq: int
    removed_seq: int
    watch_history_included: bool = True


class HistoryStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- profiles ----------------------------------------------------------------------------
    async def profile(self, profile_id: str, *, for_update: bool = False) -> ProfileState | None:
        query = sa.select(profiles).where(profiles.c.profile_id == profile_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return ProfileState(**row._mapping) if row else None

    async def upsert_profile(
        self,
        *,
        profile_id: str,
        user_id: str,
        is_kids: bool | None,
        watch_history_included: bool | None = None,
    ) -> None:
        """None for a field the caller does not know (a report overtaking its profile's event)."""
        known = {
            name: value
            for name, value in (("is_kids", is_kids), ("watch_history_included", watch_history_included))
            if value is not None
        }
        updated = await self.session.execute(
            sa.update(profiles).where(profiles.c.profile_id == profile_id).values(user_id=user_id, **known)
        )
        if rows_affected(updated) == 0:
            await self.session.execute(
                sa.insert(profiles).values(
                    profile_id=profile_id, user_id=user_id, **{"is_kids": False, **known}
                )
            )

    async def next_change(self, profile_id: str, *, removal: bool = False) -> int:
        """The profile's next change number (its row stays locked until the commit)."""
        values: dict[str, Any] = {"change_seq": profiles.c.change_seq + 1}
        if removal:
            values["removed_seq"] = profiles.c.change_seq + 1
        seq = await self.session.scalar(
            sa.update(profiles)
            .where(profiles.c.profile_id == profile_id)
            .values(values)
            .returning(profiles.c.change_seq)
        )
        return int(seq or 0)

    async def take_change(self, profile_id: str) -> ProfileState | None:
        """Locks the profile, takes its next change number and reads it, in one statement (a
        report's hop; a number taken for a report that then changes nothing is a harmless gap:
        streams follow the numbers rows carry). None: no such profile."""
        row = (
            await self.session.execute(
                sa.update(profiles)
                .where(profiles.c.profile_id == profile_id)
                .values(change_seq=profiles.c.change_seq + 1)
                .returning(*profiles.c)
            )
        ).first()
        return ProfileState(**row._mapping) if row else None

    async def set_paused(self, profile_id: str, *, paused: bool) -> None:
        await self.session.execute(
            sa.update(profiles).where(profiles.c.profile_id == profile_id).values(paused=paused)
        )

    async def delete_profile(self, profile_id: str) -> None:
        await self.session.execute(sa.delete(progress).where(progress.c.profile_id == profile_id))
        await self.session.execute(sa.delete(profiles).where(profiles.c.profile_id == profile_id))

    async def delete_user(self, user_id: str) -> None:
        await self.session.execute(sa.delete(progress).where(progress.c.user_id == user_id))
        await self.session.execute(sa.delete(profiles).where(profiles.c.user_id == user_id))

    # -- progress ----------------------------------------------------------------------------
    async def entry(self, profile_id: str, content_id: str) -> StoredProgress | None:
        row = (
            await self.session.execute(
                sa.select(progress).where(
                    progress.c.profile_id == profile_id, progress.c.content_id == content_id
                )
            )
        ).first()
        if row is None:
            return None
        return StoredProgress(_to_progress(row), row.change_seq, utc(row.progress_event_at))

    async def save(
        self, entry: Progress, *, change_seq: int, progress_event_at: dt.datetime | None, exists: bool
    ) -> None:
        values = {name: getattr(entry, name) for name in _PROGRESS_FIELDS}
        values.update(change_seq=change_seq, progress_event_at=progress_event_at)
        if exists:
            await self.session.execute(
                sa.update(progress)
                .where(progress.c.profile_id == entry.profile_id, progress.c.content_id == entry.content_id)
                .values(values)
            )
        else:
            await self.session.execute(sa.insert(progress).values(values))

    async def delete_entry(self, profile_id: str, content_id: str | None) -> int:
        query = sa.delete(progress).where(progress.c.profile_id == profile_id)
        if content_id is not None:
            query = query.where(progress.c.content_id == content_id)
        result = await self.session.execute(query)
        return rows_affected(result)

    async def recent(self, profile_id: str, *, limit: int) -> list[Progress]:
        rows = await self.session.execute(
            sa.select(progress)
            .where(progress.c.profile_id == profile_id)
            .order_by(progress.c.updated_at.desc(), progress.c.content_id)
            .limit(limit)
        )
        return [_to_progress(row) for row in rows]

    async def watched(
        self, profile_id: str, *, limit: int, before: tuple[dt.datetime, str] | None
    ) -> list[Progress]:
        """Watched entries, newest first, after the keyset cursor `before` (watched_at, content_id)."""
        query = sa.select(progress).where(progress.c.profile_id == profile_id, progress.c.completed.is_(True))
        if before is not None:
            at, content_id = before
            query = query.where(
                sa.or_(
                    progress.c.watched_at < at,
                    sa.and_(progress.c.watched_at == at, progress.c.content_id > content_id),
                )
            )
        rows = await self.session.execute(
            query.order_by(progress.c.watched_at.desc(), progress.c.content_id).limit(limit)
        )
        return [_to_progress(row) for row in rows]

    async def profiles_of(self, user_id: str) -> list[ProfileState]:
        rows = await self.session.execute(
            sa.select(profiles).where(profiles.c.user_id == user_id).order_by(profiles.c.profile_id)
        )
        return [ProfileState(**row._mapping) for row in rows]

    async def entries_of(self, user_id: str) -> list[Progress]:
        """Every entry of the user's profiles, most recently changed first (the export)."""
        rows = await self.session.execute(
            sa.select(progress)
            .where(progress.c.user_id == user_id)
            .order_by(progress.c.updated_at.desc(), progress.c.content_id)
        )
        return [_to_progress(row) for row in rows]

    async def changed_since(self, profile_id: str, change_seq: int) -> Sequence[tuple[Progress, int]]:
        rows = await self.session.execute(
            sa.select(progress)
            .where(progress.c.profile_id == profile_id, progress.c.change_seq > change_seq)
            .order_by(progress.c.change_seq)
        )
        return [(_to_progress(row), int(row.change_seq)) for row in rows]
