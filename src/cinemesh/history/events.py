"""Handlers of the events viewing history consumes: the players' progress reports (delivery's
heartbeats), the users service's profiles and account deletions (ownership, erasure), and
catalog's title documents (the episode order of series, for next up)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.contracts.delivery import PlaybackProgressV1
from cinemesh.contracts.users import ProfileChangedV1, UserDeletedV1
from cinemesh.history.domain import Report
from cinemesh.history.series_service import SeriesService
from cinemesh.history.service import HistoryService
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec

GROUP = "history"


class HistoryEvents:
    def __init__(self, *, service: HistoryService, series: SeriesService) -> None:
        self.service = service
        self.series = series

    @handles(PlaybackProgressV1)
    async def on_progress(self, session: AsyncSession, event: PlaybackProgressV1) -> None:
        report = Report(
            session_id=event.session_id,
            user_id=event.user_id,
            profile_id=event.profile_id,
            device_id=event.device_id,
            content_id=event.content_id,
            title_id=event.title_id,
            content_type=event.content_type,
            position_seconds=event.position_seconds,
            duration_seconds=event.duration_seconds,
            trailer=event.trailer,
            sequence=event.sequence,
            reported_at=event.reported_at,
        )
        await self.service.record_report(session, report=report)

    @handles(ProfileChangedV1)
    async def on_profile(self, session: AsyncSession, event: ProfileChangedV1) -> None:
        await self.service.profile_changed(
            session,
            user_id=event.user_id,
            profile_id=event.profile_id,
            is_kids=event.is_kids,
            deleted=event.change == "deleted",
            watch_history_included=event.watch_history_included,
        )

    @handles(UserDeletedV1)
    async def on_user_deleted(self, session: AsyncSession, event: UserDeletedV1) -> None:
        await self.service.user_deleted(session, user_id=event.user_id)

    @handles(TitleUpdatedV1)
    async def on_title(self, session: AsyncSession, event: TitleUpdatedV1) -> None:
        await self.series.title_changed(
            session, title_id=event.title_id, document=event.document, updated_at=event.updated_at
        )


def consumer(service: HistoryService, series: SeriesService) -> ConsumerSpec:
    # No reset: history is the source of its rows (reports are not kept to replay from).
    return EventHandlers.collect(HistoryEvents(service=service, series=series)).consumer(GROUP)
