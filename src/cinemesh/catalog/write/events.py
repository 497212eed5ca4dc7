"""Handlers of the media pipeline's events: an upload started, a video (or trailer) ready or failed."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog.domain.inputs import MAX_TRAILERS
from cinemesh.catalog.domain.titles import Action, TitleStatus, may, next_status
from cinemesh.catalog.write import publishing
from cinemesh.catalog.write.service.editing import attach
from cinemesh.catalog.write.store.tables import EpisodeRow, MediaRow, TitleRow
from cinemesh.catalog.write.store.titles import TitleStore
from cinemesh.contracts.media import FEATURE, TRAILER, UploadCompletedV1, VideoFailedV1, VideoTranscodedV1
from cinemesh.platform.events.handlers import handles
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.catalog.events")

MEDIA_GROUP = "catalog.media"

MediaEvent = UploadCompletedV1 | VideoTranscodedV1 | VideoFailedV1


class MediaEvents:
    """Progress and the events of later versions are not the catalog's business: only these three
    have a handler."""

    @handles(UploadCompletedV1)
    async def on_upload_completed(self, session: AsyncSession, event: UploadCompletedV1) -> None:
        await on_media_event(session, event)

    @handles(VideoTranscodedV1)
    async def on_transcoded(self, session: AsyncSession, event: VideoTranscodedV1) -> None:
        await on_media_event(session, event)

    @handles(VideoFailedV1)
    async def on_failed(self, session: AsyncSession, event: VideoFailedV1) -> None:
        await on_media_event(session, event)


async def on_media_event(session: AsyncSession, event: MediaEvent) -> None:
    if event.kind not in (FEATURE, TRAILER):
        log.warning("media_event_of_unknown_kind", kind=event.kind, video_id=event.video_id)
        return  # a kind of a later media version: not attached as the title's video by mistake
    found = await TitleStore(session).title_of_content(event.title_id)
    if found is None:
        # Media takes uploads for any id; one the catalog never had is logged, not retried.
        log.warning("media_event_for_unknown_title", title_id=event.title_id, event_type=event.event_type)
        return
    row, episode = found
    if event.kind == TRAILER:
        # A trailer neither moves the title through its lifecycle nor becomes its video: it is
        # listed once it plays (the first rung), and only then.
        if isinstance(event, VideoTranscodedV1):
            await _add_trailer(session, row, event.video_id)
        return
    if row.content_type == "tv_series" and episode is None:
        log.warning(
            "media_event_for_series_not_episode", title_id=event.title_id, event_type=event.event_type
        )
        return
    now = dt.datetime.now(dt.UTC)
    status = TitleStatus(row.status)
    if isinstance(event, UploadCompletedV1):
        if not may(status, Action.UPLOAD_STARTED):
            return  # a replacement video for a ready or live title keeps it where it is
        row.status = next_status(status, Action.UPLOAD_STARTED)
        row.updated_at = now
        await publishing.record_change(session, row, [])
    elif isinstance(event, VideoTranscodedV1):
        await _on_transcoded(session, row, episode, event, now)
    elif event.permanent and status == TitleStatus.PROCESSING:
        row.status = next_status(status, Action.VIDEO_FAILED)
        row.updated_at = now
        await publishing.record_change(session, row, [])


async def _on_transcoded(
    session: AsyncSession,
    row: TitleRow,
    episode: EpisodeRow | None,
    event: VideoTranscodedV1,
    now: dt.datetime,
) -> None:
    status = TitleStatus(row.status)
    framed = status != TitleStatus.ARCHIVED and adopt_poster_frame(row, event.poster_key)
    current = episode.video_id if episode is not None else row.video_id
    if status == TitleStatus.ARCHIVED or (current == event.video_id and status != TitleStatus.PROCESSING):
        # The full ladder after the first rung: the title already plays this video (the ladder
        # brings the poster frame, though).
        if framed:
            row.updated_at = now
            await publishing.record_change(session, row, [])
        return
    events = attach(row, video_id=event.video_id, episode_id=episode.id if episode else None, now=now)
    await publishing.record_change(session, row, events)


def adopt_poster_frame(row: TitleRow, poster_key: str | None) -> bool:
    """A title with no picture of its own gets the poster frame media chose from its video (as its
    `thumbnail`, the card's fallback after the backdrop), so it is not shown as bare initials.
    The image stays media's object (one object store for the platform); an image an editor
    uploads replaces it, and a later video's frame never replaces a frame already taken."""
    if poster_key is None or any(m.kind in ("backdrop", "thumbnail") for m in row.media):
        return False
    row.media.append(
        MediaRow(
            kind="thumbnail",
            position=0,
            ref=poster_key,
            content_type="image/jpeg",
            etag=hashlib.sha256(poster_key.encode()).hexdigest()[:32],
        )
    )
    return True


async def _add_trailer(session: AsyncSession, row: TitleRow, video_id: str) -> None:
    """Appends the trailer to the title's `trailers` (once; at most `MAX_TRAILERS`); a published
    title publishes it to delivery at once."""
    trailers = publishing.trailer_ids(row)
    if row.status == TitleStatus.ARCHIVED or video_id in trailers:
        return  # archived takes nothing; the full ladder after the first rung is already listed
    if len(trailers) >= MAX_TRAILERS:
        log.warning("trailer_dropped_list_full", title_id=row.id, video_id=video_id, limit=MAX_TRAILERS)
        return
    before = publishing.playable_state(row)
    now = dt.datetime.now(dt.UTC)
    row.media.append(MediaRow(kind="trailer", position=len(trailers), ref=video_id))
    row.updated_at = now
    await publishing.record_change(session, row, publishing.playables_changed(row, before, now))
