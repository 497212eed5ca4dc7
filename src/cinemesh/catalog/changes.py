"""Recording what happened to a title: its contract events and the full-document snapshot.

Every change ends here, in the same transaction as the write: the specific events delivery, the
CDN and search react to, then `catalog.title.updated.v1` with the whole document the read model
stores. Nothing is published unless the write commits (transactional outbox).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog.aggregate import windows_of_row
from cinemesh.catalog.documents import build_document
from cinemesh.catalog.store import TitleRow
from cinemesh.contracts.catalog import (
    AvailabilityChangedV1,
    AvailabilityWindow,
    TitleCreatedV1,
    TitlePublishedV1,
    TitleUnpublishedV1,
    TitleUpdatedV1,
)
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import record_event

SOURCE = "cinemesh/catalog"


def _contract_windows(row: TitleRow, content_id: str) -> list[AvailabilityWindow]:
    own = windows_of_row(row, content_id)
    chosen = own if own or content_id == row.id else windows_of_row(row, row.id)
    return [AvailabilityWindow(country=w.country, starts_at=w.starts_at, ends_at=w.ends_at) for w in chosen]


def _playable_contents(row: TitleRow) -> list[tuple[str, str | None]]:
    """(content id, video id) of what delivery may play: the title itself, or each episode with a video."""
    if row.content_type == "tv_series":
        return [(e.id, e.video_id) for s in row.seasons for e in s.episodes if e.video_id]
    return [(row.id, row.video_id)]


def created(row: TitleRow) -> list[EventContract]:
    return [
        TitleCreatedV1(
            title_id=row.id,
            title=row.title,
            content_type=row.content_type,
            status=row.status,
            created_by=row.created_by,
            created_at=row.created_at,
            attributes={"genres": [g.genre for g in row.genres], "release_year": row.release_year},
        )
    ]


def published(row: TitleRow, now: dt.datetime) -> list[EventContract]:
    return [
        TitlePublishedV1(
            title_id=row.id,
            content_id=content_id,
            content_type=row.content_type if content_id == row.id else "episode",
            maturity_rating=row.maturity_rating,
            video_id=video_id,
            windows=_contract_windows(row, content_id),
            published_at=now,
        )
        for content_id, video_id in _playable_contents(row)
    ]


def unpublished(row: TitleRow, reason: str, now: dt.datetime) -> list[EventContract]:
    return [
        TitleUnpublishedV1(
            title_id=row.id, content_id=content_id, video_id=video_id, reason=reason, unpublished_at=now
        )
        for content_id, video_id in _playable_contents(row)
    ]


def availability_changed(row: TitleRow, content_id: str, now: dt.datetime) -> list[EventContract]:
    video_id = row.video_id
    if content_id != row.id:
        video_id = next((e.video_id for s in row.seasons for e in s.episodes if e.id == content_id), None)
    return [
        AvailabilityChangedV1(
            title_id=row.id,
            content_id=content_id,
            video_id=video_id,
            windows=_contract_windows(row, content_id),
            changed_at=now,
        )
    ]


async def record_change(session: AsyncSession, row: TitleRow, events: list[EventContract]) -> None:
    """Flushes the write (bumping `version`, or failing on a concurrent one), then records events."""
    await session.flush()
    for event in events:
        await record_event(session, event, source=SOURCE)
    snapshot = TitleUpdatedV1(title_id=row.id, document=build_document(row), updated_at=row.updated_at)
    await record_event(session, snapshot, source=SOURCE)
