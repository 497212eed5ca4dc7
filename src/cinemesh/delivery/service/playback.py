"""Use cases of live playback sessions: heartbeat, end, stop the others; the sweep of dead ones
(`starts` starts them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.delivery import publishing
from cinemesh.delivery.domain import (
    SessionEnded,
    SessionExpired,
    SessionNotFound,
)
from cinemesh.delivery.settings import DeliverySettings
from cinemesh.delivery.store.queries import DeliveryStore
from cinemesh.delivery.store.tables import SessionRow, VideoRow, utc
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.delivery")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def end_session(session: AsyncSession, row: SessionRow, *, reason: str, now: dt.datetime) -> None:
    row.ended_at = now
    row.end_reason = reason
    await publishing.record_ended(session, row)


async def revoke_video(session: AsyncSession, video_id: str) -> int:
    """Ends the live sessions of a video that may no longer be shown (in the caller's tx)."""
    rows = await DeliveryStore(session).live_sessions_of_video(video_id)
    for row in rows:
        await end_session(session, row, reason="revoked", now=_now())
    return len(rows)


class PlaybackService:
    def __init__(self, *, database: Database, settings: DeliverySettings) -> None:
        self.database = database
        self.heartbeat_timeout = dt.timedelta(seconds=settings.heartbeat_timeout_seconds)
        self.stale_after = self.heartbeat_timeout + dt.timedelta(seconds=settings.resume_window_seconds)

    async def _owned(self, store: DeliveryStore, principal: Principal, session_id: str) -> SessionRow:
        row = await store.session_row(session_id, for_update=True)
        # Another account's session is indistinguishable from a missing one (no IDOR oracle).
        if row is None or row.user_id != principal.user_id:
            raise SessionNotFound("No such playback session.")
        return row

    async def heartbeat(
        self, *, principal: Principal, session_id: str, position_seconds: float | None
    ) -> SessionRow:
        now = _now()
        async with self.database.transaction() as session:
            store = DeliveryStore(session)
            row = await self._owned(store, principal, session_id)
            if row.ended_at is not None:
                raise SessionEnded("The playback session has ended.")
            # A stale session stopped counting; a player back from a dead zone (a phone in a
            # tunnel) resumes it while the plan still has room, else it is over.
            live = row.is_live(now=now, heartbeat_timeout=self.heartbeat_timeout)
            if not live and not await self._may_resume(store, row, now=now):
                await end_session(session, row, reason="heartbeat_timeout", now=now)
                raise SessionExpired(
                    "The playback session timed out and cannot resume (its stream is in use or its "
                    "time is up); start a new one."
                )
            row.last_heartbeat_at = now
            if position_seconds is not None:
                row.position_seconds = position_seconds
                row.reports = (row.reports or 0) + 1
                await publishing.record_progress(session, row, now=now)
        return row

    async def _may_resume(self, store: DeliveryStore, row: SessionRow, *, now: dt.datetime) -> bool:
        if utc(row.expires_at) <= now:
            return False
        subscription = await store.lock_account(row.user_id)  # the limit stays exact
        if not row.counts_toward_limit:
            return True
        live = await store.count_live_sessions(
            row.user_id, heartbeat_after=now - self.heartbeat_timeout, now=now
        )
        return live < subscription.limits.max_streams

    async def stop_others(self, *, principal: Principal, keep_device_id: str | None) -> int:
        """Ends every open session of the account except those on `keep_device_id`: the answer to
        a full plan whose streams a crashed or forgotten device still holds."""
        now = _now()
        async with self.database.transaction() as session:
            rows = await DeliveryStore(session).open_sessions_of_user(principal.user_id)
            stopped = [row for row in rows if row.device_id != keep_device_id]
            for row in stopped:
                await end_session(session, row, reason="stopped_elsewhere", now=now)
        return len(stopped)

    async def end(self, *, principal: Principal, session_id: str) -> None:
        """Idempotent: ending an ended session succeeds and publishes nothing more."""
        async with self.database.transaction() as session:
            row = await self._owned(DeliveryStore(session), principal, session_id)
            if row.ended_at is None:
                await end_session(session, row, reason="stopped", now=_now())

    async def sweep(self) -> int:
        """Ends sessions whose heartbeat stopped long ago (they stopped counting at the heartbeat
        timeout already: lazy expiry)."""
        now = _now()
        async with self.database.transaction() as session:
            # Past the resume window too: no heartbeat can bring them back any more.
            rows = await DeliveryStore(session).stale_sessions(heartbeat_before=now - self.stale_after)
            for row in rows:
                await end_session(session, row, reason="heartbeat_timeout", now=now)
        return len(rows)

    async def video(self, video_id: str) -> VideoRow | None:
        async with self.database.session() as session:
            return await DeliveryStore(session).video(video_id)

    async def live_session(self, session_id: str) -> SessionRow | None:
        async with self.database.session() as session:
            row = await DeliveryStore(session).session_row(session_id)
        if row is None or not row.is_live(now=_now(), heartbeat_timeout=self.heartbeat_timeout):
            return None
        return row
