"""Queries on the delivery service's tables, each run in the caller's session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.delivery.domain import PlanLimits, Playable, Subscription, ViewerProfile
from cinemesh.delivery.store.starts import LIVE_COUNT, LOCK_ACCOUNT, subscription_of
from cinemesh.delivery.store.tables import (
    AccountRow,
    ContentKeyRow,
    DeviceRow,
    PlayableRow,
    ProfileRow,
    SessionRow,
    VideoRow,
)


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

        Call it first in a transaction: one statement inserts the row if absent or else touches
        it (a no-op update), and returns it. Being a write, on SQLite it takes the database's
        write lock before anything is read (a read-then-write transaction would fail to
        upgrade); on PostgreSQL the upsert locks the row and returns its latest committed values.
        Either way two session creations for one account, in any processes, run one after the
        other. An account with no subscription event yet is basic/active (the users service's
        default).
        """
        statement = LOCK_ACCOUNT[self.session.get_bind().dialect.name == "postgresql"]
        row = (await self.session.execute(statement, {"user_id": user_id})).one()
        return subscription_of(row._mapping)

    async def set_subscription(
        self,
        user_id: str,
        *,
        tier: str,
        status: str,
        changed_at: dt.datetime,
        entitled: PlanLimits | None = None,
    ) -> None:
        row = AccountRow(user_id=user_id, tier=tier, status=status, changed_at=changed_at)
        row.max_height = entitled.max_height if entitled else None
        row.max_streams = entitled.max_streams if entitled else None
        await self.session.merge(row)

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
            LIVE_COUNT, {"user_id": user_id, "heartbeat_after": heartbeat_after, "now": now}
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
