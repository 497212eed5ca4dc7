"""The use case that starts a playback session: every rule checked, then the session and its
started event recorded atomically, with the plan's stream limit exact."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.delivery import domain, publishing
from cinemesh.delivery.domain import DeviceNotRegistered, ProfileNotFound, VideoNotReady
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.service.devices import DeviceDirectory
from cinemesh.delivery.service.unlock import is_unlocked
from cinemesh.delivery.settings import DeliverySettings
from cinemesh.delivery.store import starts
from cinemesh.delivery.store.tables import SessionRow, VideoRow
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.tokens import Principal, TokenVerifier

_DEVICE_NOT_REGISTERED = (
    "This device is not registered to the account: register it (POST /api/v1/me/devices) and try again."
)


class _UnknownDevice(Exception):
    """No devices event about this id has reached delivery (yet): the users service may know it."""


@dataclass(frozen=True)
class _Checked:
    free: bool
    limits: domain.PlanLimits
    height: int
    video: VideoRow


@dataclass(frozen=True)
class StartedSession:
    row: SessionRow
    tier: str
    video: VideoRow


class SessionStarts:
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
        now = dt.datetime.now(dt.UTC)
        async with self.database.session() as session:
            facts = await starts.start_facts(
                session,
                user_id=principal.user_id,
                profile_id=profile_id,
                device_id=device_id,
                content_id=content_id,
                heartbeat_after=now - self.heartbeat_timeout,
                now=now,
            )
            checked = self._check(
                facts,
                principal=principal,
                max_height=max_height,
                unlocked=unlocked,
                now=now,
                device_confirmed=device_confirmed,
            )
            row = SessionRow(
                session_id=new_id_str(),
                user_id=principal.user_id,
                profile_id=profile_id,
                device_id=device_id,
                content_id=content_id,
                video_id=checked.video.video_id,
                max_height=checked.height,
                client_ip=client_ip if self.settings.bind_ip else None,
                started_at=now,
                last_heartbeat_at=now,
                expires_at=now + dt.timedelta(seconds=self.settings.url_ttl_seconds),
                position_seconds=None,
                ended_at=None,
                end_reason=None,
                counts_toward_limit=not checked.free,
                reports=0,
            )
            # Only the write waits for the (SQLite) writer; the read above waited for nothing.
            await self._insert(session, row, checked, tier=facts.subscription.tier, country=principal.country)
        video_id = row.video_id
        await self.keys.get(video_id)  # the title's key exists before any player asks for it
        return StartedSession(row=row, tier=facts.subscription.tier, video=checked.video)

    async def _insert(
        self, session: AsyncSession, row: SessionRow, checked: _Checked, *, tier: str, country: str | None
    ) -> None:
        """Records the session and its started event, the plan's limit enforced by the INSERT."""
        async with self._local_writer():
            try:
                max_streams = None if checked.free else checked.limits.max_streams
                heartbeat_after = row.started_at - self.heartbeat_timeout
                if not await starts.insert_session(
                    session, row, max_streams=max_streams, heartbeat_after=heartbeat_after
                ):
                    raise domain.plan_full(checked.limits)  # another start took the last stream
                free = checked.free
                await publishing.record_started(session, row, tier=tier, country=country, trailer=free)
                await session.commit()
            except BaseException:
                await session.rollback()  # before the next writer's turn
                raise

    def _check(
        self,
        facts: starts.StartFacts,
        *,
        principal: Principal,
        max_height: int | None,
        unlocked: bool,
        now: dt.datetime,
        device_confirmed: bool,
    ) -> _Checked:
        """Every rule of a start but the exact stream count, in the order players are told them."""
        profile = facts.profile
        if profile is None or profile.user_id != principal.user_id:
            raise ProfileNotFound("No such profile on this account.")
        if facts.device_owner is None and not device_confirmed:
            raise _UnknownDevice
        if facts.device_owner is not None and facts.device_owner != principal.user_id:
            raise DeviceNotRegistered(_DEVICE_NOT_REGISTERED)
        playable = facts.playable
        # A trailer is free to watch for any signed-in account: no active subscription (the
        # plan's quality limit still applies) and no concurrent stream of the plan taken.
        free = playable is not None and playable.is_trailer
        subscription = facts.subscription
        limits = subscription.limits if free else domain.check_subscription(subscription)
        domain.check_available(playable, country=principal.country, now=now)
        assert playable is not None
        domain.check_maturity(playable, profile, unlocked=unlocked)
        height = domain.check_quality(limits, max_height)
        video = facts.video
        if video is None:
            raise VideoNotReady("The title's video is not transcoded yet.")
        if free:
            domain.check_trailer_video(playable, video_kind=video.kind, video_title_id=video.title_id)
        else:
            domain.check_stream_count(limits, facts.live_sessions)  # a first answer, before any lock
        return _Checked(free=free, limits=limits, height=height, video=video)
