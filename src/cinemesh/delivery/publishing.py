"""What delivery emits about playback sessions: the contract events, written through the outbox
in the caller's transaction (started, progress from heartbeats, ended)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.delivery import PlaybackEndedV1, PlaybackProgressV1, PlaybackStartedV1
from cinemesh.contracts.publishing import record_event
from cinemesh.delivery.store.queries import DeliveryStore
from cinemesh.delivery.store.tables import SessionRow

SOURCE = "cinemesh/delivery"


async def record_started(
    session: AsyncSession, row: SessionRow, *, tier: str, country: str | None, trailer: bool
) -> None:
    await record_event(
        session,
        PlaybackStartedV1(
            session_id=row.session_id,
            user_id=row.user_id,
            profile_id=row.profile_id,
            device_id=row.device_id,
            content_id=row.content_id,
            video_id=row.video_id,
            max_height=row.max_height,
            started_at=row.started_at,
            tier=tier,
            country=country,
            trailer=trailer,
        ),
        source=SOURCE,
    )


async def record_progress(session: AsyncSession, row: SessionRow, *, now: dt.datetime) -> None:
    """The heartbeat is the player's one progress report: viewing history takes it from
    here (docs/history.md says why an event and not a second call from the player)."""
    assert row.position_seconds is not None
    store = DeliveryStore(session)
    playable = await store.playable(row.content_id)
    video = await store.video(row.video_id)
    await record_event(
        session,
        PlaybackProgressV1(
            session_id=row.session_id,
            user_id=row.user_id,
            profile_id=row.profile_id,
            device_id=row.device_id,
            content_id=row.content_id,
            title_id=playable.title_id if playable else (video.title_id if video else None),
            content_type=playable.content_type if playable else None,
            video_id=row.video_id,
            position_seconds=row.position_seconds,
            duration_seconds=video.duration_seconds if video else None,
            trailer=not row.counts_toward_limit,
            sequence=row.reports,
            reported_at=now,
        ),
        source=SOURCE,
    )


async def record_ended(session: AsyncSession, row: SessionRow) -> None:
    assert row.ended_at is not None and row.end_reason is not None
    await record_event(
        session,
        PlaybackEndedV1(
            session_id=row.session_id,
            user_id=row.user_id,
            profile_id=row.profile_id,
            content_id=row.content_id,
            reason=row.end_reason,
            ended_at=row.ended_at,
            video_id=row.video_id,
            position_seconds=row.position_seconds,
            trailer=not row.counts_toward_limit,
        ),
        source=SOURCE,
    )
