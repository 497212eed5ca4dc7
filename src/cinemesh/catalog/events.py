"""Handlers of the events the catalog consumes: its own (the read model) and the media pipeline's."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog import changes, read_model
from cinemesh.catalog.domain import Action, TitleStatus, may, next_status
from cinemesh.catalog.service import attach
from cinemesh.catalog.store import TitleStore
from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.contracts.events import parse_event
from cinemesh.contracts.media import UploadCompletedV1, VideoFailedV1, VideoTranscodedV1
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.catalog.events")

READ_MODEL_GROUP = "catalog.read-model"
MEDIA_GROUP = "catalog.media"
PROFILES_GROUP = "catalog.profiles"


async def on_catalog_event(session: AsyncSession, envelope: Envelope) -> None:
    """Folds the full-document snapshots into the read model; other catalog events add nothing."""
    if envelope.type == TitleUpdatedV1.event_type:
        updated = parse_event(envelope.type, envelope.data)
        assert isinstance(updated, TitleUpdatedV1)
        await read_model.apply_document(session, updated.document)


async def on_media_event(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type not in (
        UploadCompletedV1.event_type,
        VideoTranscodedV1.event_type,
        VideoFailedV1.event_type,
    ):
        return  # progress and the events of later versions are not the catalog's business
    event = parse_event(envelope.type, envelope.data)
    assert isinstance(event, UploadCompletedV1 | VideoTranscodedV1 | VideoFailedV1)
    found = await TitleStore(session).title_of_content(event.title_id)
    if found is None:
        # Media takes uploads for any id; one the catalog never had is logged, not retried.
        log.warning("media_event_for_unknown_title", title_id=event.title_id, event_type=envelope.type)
        return
    row, episode = found
    if row.content_type == "tv_series" and episode is None:
        log.warning("media_event_for_series_not_episode", title_id=event.title_id, event_type=envelope.type)
        return
    now = dt.datetime.now(dt.UTC)
    status = TitleStatus(row.status)
    if isinstance(event, UploadCompletedV1):
        if not may(status, Action.UPLOAD_STARTED):
            return  # a replacement video for a ready or live title keeps it where it is
        row.status = next_status(status, Action.UPLOAD_STARTED)
        row.updated_at = now
        await changes.record_change(session, row, [])
    elif isinstance(event, VideoTranscodedV1):
        current = episode.video_id if episode is not None else row.video_id
        if status == TitleStatus.ARCHIVED or (current == event.video_id and status != TitleStatus.PROCESSING):
            return  # the full ladder after the first rung: the title already plays this video
        events = attach(row, video_id=event.video_id, episode_id=episode.id if episode else None, now=now)
        await changes.record_change(session, row, events)
    elif event.permanent and status == TitleStatus.PROCESSING:
        row.status = next_status(status, Action.VIDEO_FAILED)
        row.updated_at = now
        await changes.record_change(session, row, [])
