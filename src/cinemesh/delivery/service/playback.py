"""Use cases of playback sessions: start, heartbeat, end, stop others; the sweep of dead ones."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.delivery import domain, publishing
from cinemesh.delivery.domain import (
    DeviceNotRegistered,
    ProfileNotFound,
    SessionEnded,
    SessionExpired,
    SessionNotFound,
    VideoNotReady,
)
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.service.devices import DeviceDirectory
from cinemesh.delivery.service.unlock import is_unlocked
from cinemesh.delivery.settings import DeliverySettings
from cinemesh.delivery.store.queries import DeliveryStore
from cinemesh.delivery.store.tables import SessionRow, VideoRow, utc
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.logging import get_logger
from cinemesh.platform.tokens import Principal, TokenVerifier

log = get_logger("cinemesh.delivery")

_DEVICE_NOT_REGISTERED = (
    "This device is not registered to the account: register it (POST /api/v1/me/devices) and try again."
)


class _UnknownDevice(Exception):
    """No devices event about this id has reached delivery (yet): the users service may know it."""


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


@dataclass(frozen=True)
class StartedSession:
    row: SessionRow
    tier: str
    video: VideoRow


class PlaybackService:
    def __init__(
        self,
        *,
        database: Database,
        settings: DeliverySettings,
        keys: ContentKeys,
        verifier: TokenVerifier,
        devices: DeviceDirectory | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.keys = keys
        self.verifier = verifier  # unlock tokens: the access tokens' keys
        self.devices = devices
        self.heartbeat_timeout = dt.timedelta(seconds=settings.heartbeat_timeout_seconds)
        self.stale_after = self.heartbeat_timeout + dt.timedelta(seconds=settings.resume_window_seconds)
        # SQLite has one writer; concurrent creations in this process queue here in FIFO order
        # instead of in SQLite's busy handler, whose sleep-and-retry backoff makes the tail
        # latency seconds long. The database lock still guards other processes.
        self._sqlite_writer = asyncio.Lock() if database.is_sqlite else None

    def _local_writer(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._sqlite_writer if self._sqlite_writer is not None else contextlib.nullcontext()

    async def start(
        self,
        *,
        principal: Principal,
        content_id: str,
        profile_id: str,
        device_id: str,
        max_height: int | None,
        unlock_token: str | None,
        client_ip: str | None,
        authorization: str | None = None,
    ) -> StartedSession:
        """Checks every rule, then records a live session (and its started event) atomically.

        A device no event has told delivery about is confirmed with the users service (with the
        caller's `authorization`) before it is refused, so a device plays the moment it is
        registered; the confirmation is asked outside the transaction and only on that path."""
        unlocked = await is_unlocked(
            self.verifier, user_id=principal.user_id, profile_id=profile_id, unlock_token=unlock_token
        )
        start = functools.partial(
            self._start,
            principal=principal,
            content_id=content_id,
            profile_id=profile_id,
            device_id=device_id,
            max_height=max_height,
            unlocked=unlocked,
            client_ip=client_ip,
        )
        try:
            return await start(device_confirmed=False)
        except _UnknownDevice:
            if self.devices is None or authorization is None:
                raise DeviceNotRegistered(_DEVICE_NOT_REGISTERED) from None
            if not await self.devices.is_callers(device_id=device_id, authorization=authorization):
                raise DeviceNotRegistered(_DEVICE_NOT_REGISTERED) from None
        return await start(device_confirmed=True)

    async def _start(
        self,
        *,
        principal: Principal,
        content_id: str,
        profile_id: str,
        device_id: str,
        max_height: int | None,
        unlocked: bool,
        client_ip: str | None,
        device_confirmed: bool,
    ) -> StartedSession:
        now = _now()
        async with self._local_writer(), self.database.transaction() as session:
            store = DeliveryStore(session)
            subscription = await store.lock_account(principal.user_id)  # first: serialises the account
            facts = await store.start_facts(
                user_id=principal.user_id,
                profile_id=profile_id,
                device_id=device_id,
                content_id=content_id,
                heartbeat_after=now - self.heartbeat_timeout,
                now=now,
            )
            profile = facts.profile
            if profile is None or profile.user_id != principal.user_id:
                raise ProfileNotFound("No such profile on this account.")
            owner = facts.device_owner
            if owner is None and not device_confirmed:
                raise _UnknownDevice
            if owner is not None and owner != principal.user_id:
                raise DeviceNotRegistered(_DEVICE_NOT_REGISTERED)
            playable = facts.playable
            # A trailer is free to watch for any signed-in account: no active subscription (the
            # plan's quality limit still applies) and no concurrent stream of the plan taken.
            free = playable is not None and playable.is_trailer
            limits = subscription.limits if free else domain.check_subscription(subscription)
            video_id = domain.check_available(playable, country=principal.country, now=now)
            assert playable is not None
            domain.check_maturity(playable, profile, unlocked=unlocked)
            height = domain.check_quality(limits, max_height)
            video = facts.video
            if video is None:
                raise VideoNotReady("The title's video is not transcoded yet.")
            if free:
                domain.check_trailer_video(playable, video_kind=video.kind, video_title_id=video.title_id)
            else:
                domain.check_stream_count(limits, facts.live_sessions)
            row = SessionRow(
                session_id=new_id_str(),
                user_id=principal.user_id,
                profile_id=profile_id,
                device_id=device_id,
                content_id=content_id,
                video_id=video_id,
                max_height=height,
                client_ip=client_ip if self.settings.bind_ip else None,
                started_at=now,
                last_heartbeat_at=now,
                expires_at=now + dt.timedelta(seconds=self.settings.url_ttl_seconds),
                position_seconds=None,
                ended_at=None,
                end_reason=None,
                counts_toward_limit=not free,
                reports=0,
            )
            await store.add_session(row)
            await publishing.record_started(
                session, row, tier=subscription.tier, country=principal.country, trailer=free
            )
        await self.keys.get(video_id)  # the title's key exists before any player asks for it
        return StartedSession(row=row, tier=subscription.tier, video=video)

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
