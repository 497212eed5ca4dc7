"""Recording what happened to a title: its contract events and the full-document snapshot.

Every change ends here, in the same transaction as the write: the specific events delivery, the
CDN and search react to, then `catalog.title.updated.v1` with the whole document the read model
stores. Nothing is published unless the write commits (transactional outbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog.domain.titles import TitleStatus
from cinemesh.catalog.write.service.aggregate import windows_of_row
from cinemesh.catalog.write.service.documents import build_document
from cinemesh.catalog.write.store.tables import TitleRow
from cinemesh.contracts.catalog import (
    TRAILER_CONTENT_TYPE,
    AvailabilityChangedV1,
    AvailabilityWindow,
    TitleCreatedV1,
    TitlePublishedV1,
    TitleUnpublishedV1,
    TitleUpdatedV1,
)
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import record_events

SOURCE = "cinemesh/catalog"


def _contract_windows(row: TitleRow, content_id: str) -> list[AvailabilityWindow]:
    """The content's own windows, else the title's: an episode without windows and every trailer
    (which has none of its own) are shown where and when the title is."""
    own = windows_of_row(row, content_id)
    chosen = own if own or content_id == row.id else windows_of_row(row, row.id)
    return [
        AvailabilityWindow(
            country=w.country,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            except_countries=sorted(w.except_countries),
        )
        for w in chosen
    ]


@dataclass(frozen=True)
class Playable:
    """One thing delivery may play once the title is published."""

    content_id: str
    video_id: str | None
    content_type: str


def trailer_ids(row: TitleRow) -> list[str]:
    return [m.ref for m in sorted(row.media, key=lambda m: m.position) if m.kind == "trailer"]


def _playable_contents(row: TitleRow) -> list[Playable]:
    """What delivery may play: the title itself, or each episode with a video; and each trailer,
    its content id being its video id (a trailer has no catalog id of its own)."""
    if row.content_type == "tv_series":
        own = [Playable(e.id, e.video_id, "episode") for s in row.seasons for e in s.episodes if e.video_id]
    else:
        own = [Playable(row.id, row.video_id, row.content_type)]
    return own + [Playable(v, v, TRAILER_CONTENT_TYPE) for v in dict.fromkeys(trailer_ids(row))]


@dataclass(frozen=True)
class PlayableState:
    """What delivery was told of a title, to compare after an edit (`playables_changed`)."""

    contents: dict[str, Playable]
    maturity_rating: str | None


def playable_state(row: TitleRow) -> PlayableState:
    return PlayableState({p.content_id: p for p in _playable_contents(row)}, row.maturity_rating)


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


def _published(row: TitleRow, playables: Iterable[Playable], now: dt.datetime) -> list[EventContract]:
    return [
        TitlePublishedV1(
            title_id=row.id,
            content_id=p.content_id,
            content_type=p.content_type,
            maturity_rating=row.maturity_rating,
            video_id=p.video_id,
            windows=_contract_windows(row, p.content_id),
            published_at=now,
        )
        for p in playables
    ]


def published(row: TitleRow, now: dt.datetime) -> list[EventContract]:
    return _published(row, _playable_contents(row), now)


def _unpublished(
    row: TitleRow, playables: Iterable[Playable], reason: str, now: dt.datetime
) -> list[EventContract]:
    return [
        TitleUnpublishedV1(
            title_id=row.id, content_id=p.content_id, video_id=p.video_id, reason=reason, unpublished_at=now
        )
        for p in playables
    ]


def unpublished(row: TitleRow, reason: str, now: dt.datetime) -> list[EventContract]:
    return _unpublished(row, _playable_contents(row), reason, now)


def playables_changed(row: TitleRow, before: PlayableState, now: dt.datetime) -> list[EventContract]:
    """What delivery must hear after an edit of a published title: a trailer added to or removed
    from `trailers`, or a new maturity rating (delivery checks it against the profile)."""
    if row.status != TitleStatus.PUBLISHED:
        return []  # publishing tells delivery everything at once
    after = playable_state(row)
    removed = [p for content_id, p in before.contents.items() if content_id not in after.contents]
    if after.maturity_rating != before.maturity_rating:
        fresh = list(after.contents.values())  # every content carries the rating
    else:
        fresh = [p for content_id, p in after.contents.items() if content_id not in before.contents]
    return _unpublished(row, removed, "removed", now) + _published(row, fresh, now)


def availability_changed(row: TitleRow, content_id: str, now: dt.datetime) -> list[EventContract]:
    video_id = row.video_id
    if content_id != row.id:
        video_id = next((e.video_id for s in row.seasons for e in s.episodes if e.id == content_id), None)
    # The title's windows are its trailers' windows too.
    trailers = list(dict.fromkeys(trailer_ids(row))) if content_id == row.id else []
    return [
        AvailabilityChangedV1(
            title_id=row.id,
            content_id=changed,
            video_id=video,
            windows=_contract_windows(row, content_id),
            changed_at=now,
        )
        for changed, video in [(content_id, video_id), *((t, t) for t in trailers)]
    ]


async def record_change(session: AsyncSession, row: TitleRow, events: list[EventContract]) -> None:
    """Flushes the write (bumping `version`, or failing on a concurrent one), then records events."""
    await record_changes(session, [(row, events)])


async def record_changes(session: AsyncSession, changed: list[tuple[TitleRow, list[EventContract]]]) -> None:
    """`record_change` for many titles with one flush and one outbox statement (bulk import):
    each title's events, then its snapshot, title after title, as one by one would record them."""
    await session.flush()
    recorded: list[EventContract] = []
    for row, events in changed:
        recorded += events
        recorded.append(
            TitleUpdatedV1(title_id=row.id, document=build_document(row), updated_at=row.updated_at)
        )
    await record_events(session, recorded, source=SOURCE)
