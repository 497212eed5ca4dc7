"""The delivery service's tables and the queries on them.

Projections (titles, videos, profiles, subscriptions, devices) are kept from other services'
events; sessions and content keys are delivery's own state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    delete,
    func,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cinemesh.contracts.media import FEATURE
from cinemesh.delivery.domain import (
    DEFAULT_STATUS,
    DEFAULT_TIER,
    Playable,
    Subscription,
    ViewerProfile,
    Window,
)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class PlayableRow(Base):
    __tablename__ = "playables"

    content_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title_id: Mapped[str] = mapped_column(String(36), index=True)
    video_id: Mapped[str | None] = mapped_column(String(36), index=True)
    maturity_rating: Mapped[str | None] = mapped_column(String(16))
    published: Mapped[bool] = mapped_column(Boolean)
    windows: Mapped[list[Any]]
    updated_at: Mapped[dt.datetime]
    # The catalog's content type: movie, episode, ..., or "trailer"; null for rows older than it.
    content_type: Mapped[str | None] = mapped_column(String(32), default=None)

    def to_domain(self) -> Playable:
        return Playable(
            content_id=self.content_id,
            title_id=self.title_id,
            video_id=self.video_id,
            maturity_rating=self.maturity_rating,
            published=self.published,
            content_type=self.content_type,
            windows=[
                Window(
                    country=w["country"],
                    starts_at=dt.datetime.fromisoformat(w["starts_at"]),
                    ends_at=dt.datetime.fromisoformat(w["ends_at"]) if w.get("ends_at") else None,
                    except_countries=frozenset(w.get("except_countries") or ()),  # rows from before "*"
                )
                for w in self.windows
            ],
        )


class VideoRow(Base):
    __tablename__ = "videos"

    video_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title_id: Mapped[str] = mapped_column(String(36))
    storage_prefix: Mapped[str] = mapped_column(String(512))
    hls_master_key: Mapped[str] = mapped_column(String(1024))
    dash_manifest_key: Mapped[str | None] = mapped_column(String(1024))
    thumbnails_vtt_key: Mapped[str | None] = mapped_column(String(1024))
    renditions: Mapped[list[Any]]
    complete: Mapped[bool] = mapped_column(Boolean)
    duration_seconds: Mapped[float] = mapped_column(Float)
    transcoded_at: Mapped[dt.datetime]
    # What media says the upload was to its title (`contracts.media` kinds): a content published
    # as a trailer plays only a video uploaded as a trailer of that title.
    kind: Mapped[str] = mapped_column(String(16), default=FEATURE, server_default=FEATURE)


class ProfileRow(Base):
    __tablename__ = "profiles"

    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    max_maturity_rating: Mapped[str | None] = mapped_column(String(16))
    pin_required: Mapped[bool] = mapped_column(Boolean)

    def to_domain(self) -> ViewerProfile:
        return ViewerProfile(
            profile_id=self.profile_id,
            user_id=self.user_id,
            max_maturity_rating=self.max_maturity_rating,
            pin_required=self.pin_required,
        )


class AccountRow(Base):
    """One row per user: the subscription projection, and the row a session creation locks so
    concurrent creations for one account are serialised (the stream limit holds across processes)."""

    __tablename__ = "accounts"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[dt.datetime | None]


class DeviceRow(Base):
    __tablename__ = "devices"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)


class SessionRow(Base):
    __tablename__ = "playback_sessions"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    profile_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str] = mapped_column(String(36))
    content_id: Mapped[str] = mapped_column(String(36))
    video_id: Mapped[str] = mapped_column(String(36), index=True)
    max_height: Mapped[int] = mapped_column(Integer)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime]
    last_heartbeat_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    position_seconds: Mapped[float | None] = mapped_column(Float)
    ended_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # False for a trailer: it never takes one of the plan's concurrent streams.
    counts_toward_limit: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Progress reports received (heartbeats with a position): the reports' sequence in the session.
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def is_live(self, *, now: dt.datetime, heartbeat_timeout: dt.timedelta) -> bool:
        return (
            self.ended_at is None
            and utc(self.last_heartbeat_at) + heartbeat_timeout > now
            and utc(self.expires_at) > now
        )


class ContentKeyRow(Base):
    __tablename__ = "content_keys"

    video_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kid: Mapped[str] = mapped_column(String(32))  # 16 bytes, hex; public (it is in the manifests)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)  # SecretBox envelope of the 16-byte key
    created_at: Mapped[dt.datetime]


class DeliveryStore:
    """Queries, each run in the caller's session (the caller owns the transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- projections ----------------------------------------------------------------------

    async def playable(self, content_id: str) -> Playable | None:
        row = await self.session.get(PlayableRow, content_id)
        return row.to_domain() if row else None

    async def upsert_playable(self, row: PlayableRow) -> None:
        await self.session.merge(row)

    async def set_published(self, content_id: str, *, published: bool) -> None:
        await self.session.execute(
            update(PlayableRow).where(PlayableRow.content_id == content_id).values(published=published)
        )

    async def set_windows(self, content_id: str, windows: list[Any]) -> bool:
        result = await self.session.execute(
            update(PlayableRow).where(PlayableRow.content_id == content_id).values(windows=windows)
        )
        return bool(getattr(result, "rowcount", 0))

    async def video(self, video_id: str) -> VideoRow | None:
        return await self.session.get(VideoRow, video_id)

    async def upsert_video(self, row: VideoRow) -> None:
        await self.session.merge(row)

    async def profile(self, profile_id: str) -> ViewerProfile | None:
        row = await self.session.get(ProfileRow, profile_id)
        return row.to_domain() if row else None

    async def upsert_profile(self, row: ProfileRow) -> None:
        await self.session.merge(row)

    async def delete_profile(self, profile_id: str) -> None:
        await self.session.execute(delete(ProfileRow).where(ProfileRow.profile_id == profile_id))

    async def lock_account(self, user_id: str) -> Subscription:
        """The account's subscription, its row locked until the transaction ends.

        Call it first in a transaction: the insert-if-absent is a write, which on SQLite takes
        the database's write lock before anything is read (a read-then-write transaction would
        fail to upgrade), and on PostgreSQL `FOR UPDATE` then holds the row. Either way two
        session creations for one account, in any processes, run one after the other. An
        account with no subscription event yet is basic/active (the users service's default).
        """
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(AccountRow)
            .values(user_id=user_id, tier=DEFAULT_TIER, status=DEFAULT_STATUS, changed_at=None)
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        row = await self.session.get(AccountRow, user_id, with_for_update=True, populate_existing=True)
        assert row is not None
        return Subscription(tier=row.tier, status=row.status)

    async def set_subscription(
        self, user_id: str, *, tier: str, status: str, changed_at: dt.datetime
    ) -> None:
        await self.session.merge(AccountRow(user_id=user_id, tier=tier, status=status, changed_at=changed_at))

    async def device_owner(self, device_id: str) -> str | None:
        row = await self.session.get(DeviceRow, device_id)
        return row.user_id if row else None

    async def upsert_device(self, device_id: str, user_id: str) -> None:
        await self.session.merge(DeviceRow(device_id=device_id, user_id=user_id))

    async def delete_device(self, device_id: str) -> None:
        await self.session.execute(delete(DeviceRow).where(DeviceRow.device_id == device_id))

    async def erase_user(self, user_id: str) -> None:
        for table in (ProfileRow, DeviceRow, AccountRow, SessionRow):
            await self.session.execute(delete(table).where(table.user_id == user_id))

    # -- sessions -------------------------------------------------------------------------

    async def count_live_sessions(
        self, user_id: str, *, heartbeat_after: dt.datetime, now: dt.datetime
    ) -> int:
        """Live sessions that take one of the plan's streams (a trailer's does not)."""
        result = await self.session.scalar(
            select(func.count())
            .select_from(SessionRow)
            .where(
                SessionRow.user_id == user_id,
                SessionRow.counts_toward_limit.is_(True),
                SessionRow.ended_at.is_(None),
                SessionRow.last_heartbeat_at > heartbeat_after,
                SessionRow.expires_at > now,
            )
        )
        return int(result or 0)

    async def session_row(self, session_id: str, *, for_update: bool = False) -> SessionRow | None:
        return await self.session.get(SessionRow, session_id, with_for_update=for_update)

    async def stale_sessions(self, *, heartbeat_before: dt.datetime, limit: int = 500) -> list[SessionRow]:
        rows = await self.session.scalars(
            select(SessionRow)
            .where(SessionRow.ended_at.is_(None), SessionRow.last_heartbeat_at <= heartbeat_before)
            .limit(limit)
        )
        return list(rows)

    async def open_sessions_of_user(self, user_id: str) -> list[SessionRow]:
        """Every session of the account not ended yet, stale ones included (they may resume)."""
        rows = await self.session.scalars(
            select(SessionRow).where(SessionRow.user_id == user_id, SessionRow.ended_at.is_(None))
        )
        return list(rows)

    async def live_sessions_of_video(self, video_id: str) -> list[SessionRow]:
        rows = await self.session.scalars(
            select(SessionRow).where(SessionRow.video_id == video_id, SessionRow.ended_at.is_(None))
        )
        return list(rows)

    # -- content keys ---------------------------------------------------------------------

    async def content_key(self, video_id: str) -> ContentKeyRow | None:
        return await self.session.get(ContentKeyRow, video_id)

    async def add_content_key(self, row: ContentKeyRow) -> None:
        self.session.add(row)
