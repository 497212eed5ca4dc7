"""Use cases of the write side: editing titles, their lifecycle, and the editors' reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from cinemesh.catalog.domain.errors import (
    ConcurrentModificationError,
    DuplicateExternalIdError,
    EpisodeNotFoundError,
    InvalidInputError,
    InvalidWindowsError,
    NoAvailabilityError,
    TitleArchivedError,
    TitleNotFoundError,
    VideoNotReadyError,
)
from cinemesh.catalog.domain.inputs import TitleInput, WindowInput
from cinemesh.catalog.domain.titles import (
    Action,
    IllegalTransitionError,
    InvalidWindowError,
    TitleStatus,
    has_audience,
    next_status,
)
from cinemesh.catalog.write import publishing
from cinemesh.catalog.write.service.aggregate import (
    all_windows_of_row,
    apply_metadata,
    episode_ids,
    has_playable_video,
    new_title,
    set_windows,
)
from cinemesh.catalog.write.service.documents import build_document, editor_card
from cinemesh.catalog.write.store.tables import TitleRow
from cinemesh.catalog.write.store.titles import TitleStore
from cinemesh.contracts.events import EventContract
from cinemesh.platform.db import Database
from cinemesh.platform.tokens import Principal

Clock = Callable[[], dt.datetime]
TRANSITION_ATTEMPTS = 3

UNPUBLISH_REASONS = {Action.UNPUBLISH: "unpublished", Action.ARCHIVE: "archived", Action.EXPIRE: "expired"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def may_edit(row: TitleRow, principal: Principal) -> bool:
    """Admins edit every title; a content provider only the titles it created (no IDOR)."""
    return "admin" in principal.roles or (
        "content_provider" in principal.roles and row.created_by == principal.user_id
    )


class CatalogService:
    def __init__(self, *, database: Database, clock: Clock = utcnow) -> None:
        self.database = database
        self.clock = clock

    @asynccontextmanager
    async def editing(
        self, title_id: str, principal: Principal
    ) -> AsyncIterator[tuple[AsyncSession, TitleRow]]:
        """A transaction on one title the principal may edit; a racing writer's change -> 409."""
        try:
            async with self.database.transaction() as session:
                row = await TitleStore(session).get(title_id)
                if row is None or not may_edit(row, principal):
                    raise TitleNotFoundError(title_id)  # someone else's title looks like no title
                yield session, row
        except StaleDataError as exc:
            raise ConcurrentModificationError() from exc

    # -- editing ------------------------------------------------------------------------------

    async def create_title(self, *, principal: Principal, data: TitleInput) -> dict[str, Any]:
        now = self.clock()
        row = new_title(
            content_type=data.type.value, created_by=principal.user_id, external_id=data.external_id, now=now
        )
        apply_metadata(
            row, data.model_dump(mode="json", exclude={"type", "external_id", "availability"}), now=now
        )
        duplicate = DuplicateExternalIdError(
            f"A title with external_id {data.external_id!r} exists.", field="external_id"
        )
        try:
            async with self.database.transaction() as session:
                store = TitleStore(session)
                taken = data.external_id is not None and await store.by_external_ids(
                    [data.external_id], owner=principal.user_id
                )
                if taken:
                    raise duplicate
                store.add(row)
                if data.availability is not None:
                    self._set_windows(row, row.id, data.availability, now)
                await session.flush()
                await publishing.record_change(session, row, publishing.created(row))
                return build_document(row)
        except IntegrityError as exc:  # a concurrent create won the unique external_id
            raise duplicate from exc

    async def update_title(
        self, *, principal: Principal, title_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        async with self.editing(title_id, principal) as (session, row):
            if row.status == TitleStatus.ARCHIVED:
                raise TitleArchivedError("An archived title cannot be edited.")
            if fields.get("seasons") and row.content_type != "tv_series":
                raise InvalidInputError("Only a tv_series has seasons.", field="seasons")
            before = publishing.playable_state(row)
            now = self.clock()
            apply_metadata(row, fields, now=now)
            await publishing.record_change(session, row, publishing.playables_changed(row, before, now))
            return build_document(row)

    def _set_windows(
        self, row: TitleRow, content_id: str, windows: list[WindowInput], now: dt.datetime
    ) -> None:
        try:
            set_windows(row, content_id, windows, now=now)
        except InvalidWindowError as exc:
            raise InvalidWindowsError(
                f"Window {exc.index}: {exc.reason}.", field=f"[{exc.index}].{exc.field}"
            ) from exc

    async def set_availability(
        self,
        *,
        principal: Principal,
        title_id: str,
        windows: list[WindowInput],
        episode_id: str | None = None,
    ) -> dict[str, Any]:
        async with self.editing(title_id, principal) as (session, row):
            if episode_id is not None and episode_id not in episode_ids(row):
                raise EpisodeNotFoundError(title_id, episode_id)
            now = self.clock()
            self._set_windows(row, episode_id or row.id, windows, now)
            await publishing.record_change(
                session, row, publishing.availability_changed(row, episode_id or row.id, now)
            )
            return build_document(row)

    async def attach_video(
        self, *, principal: Principal, title_id: str, video_id: str, episode_id: str | None = None
    ) -> dict[str, Any]:
        """An admin's stand-in for the media pipeline's `video.transcoded` event (idempotent, so
        decided again after a lost race, like a lifecycle move)."""

        async def once() -> dict[str, Any]:
            async with self.editing(title_id, principal) as (session, row):
                events = attach(row, video_id=video_id, episode_id=episode_id, now=self.clock())
                await publishing.record_change(session, row, events)
                return build_document(row)

        return await _again_after_a_race(once)

    async def transition(self, *, principal: Principal, title_id: str, action: Action) -> dict[str, Any]:
        """A lifecycle move, decided again on the fresh title when a write raced it: background
        writes (the media pipeline's poster frame, a new video, the expiry job) land on a title at
        any moment, and the move asked for is still the one to make - or, if the racing write
        was another editor's same move, an illegal transition the editor can read."""
        return await _again_after_a_race(
            lambda: self._transition(principal=principal, title_id=title_id, action=action)
        )

    async def _transition(self, *, principal: Principal, title_id: str, action: Action) -> dict[str, Any]:
        async with self.editing(title_id, principal) as (session, row):
            now = self.clock()
            target = next_status(TitleStatus(row.status), action)
            events: list[EventContract] = []
            if target == TitleStatus.PUBLISHED:
                if not has_playable_video(row):
                    raise VideoNotReadyError("Publishing needs a ready video.")
                if not has_audience(all_windows_of_row(row), now):
                    # Published with no window open now or later, a title reaches no one, silently.
                    raise NoAvailabilityError(
                        "No one could watch this title: give it an availability window that is open "
                        'now or later (country "*" for worldwide).',
                        field="availability",
                    )
                row.published_at = now
                row.status = target
                events = publishing.published(row, now)
            else:
                was_live = row.status == TitleStatus.PUBLISHED
                row.status = target
                if was_live:
                    events = publishing.unpublished(row, UNPUBLISH_REASONS[action], now)
            row.updated_at = now
            await publishing.record_change(session, row, events)
            return build_document(row)

    # -- reading ------------------------------------------------------------------------------

    async def editor_document(self, *, principal: Principal, title_id: str) -> dict[str, Any] | None:
        """Editors read the write model: their own change is visible the moment it commits."""
        async with self.database.session() as session:
            row = await TitleStore(session).get(title_id)
        if row is None or not may_edit(row, principal):
            return None
        return build_document(row)

    async def editor_titles(
        self,
        *,
        principal: Principal,
        status: TitleStatus | None,
        text: str | None,
        sort: str,
        after: tuple[str, str] | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
        """Titles in any status from the write model: an admin's are all, a provider's its own
        (the same rule as `may_edit`, so the listing never shows a title its editor cannot open)."""
        owner = None if "admin" in principal.roles else principal.user_id
        async with self.database.session() as session:
            rows, next_after = await TitleStore(session).editor_page(
                owner=owner,
                status=status.value if status else None,
                text=text,
                sort=sort,
                after=after,
                limit=limit,
            )
        return [editor_card(row) for row in rows], next_after


async def _again_after_a_race(run: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    for attempt in range(1, TRANSITION_ATTEMPTS + 1):
        try:
            return await run()
        except ConcurrentModificationError:
            if attempt == TRANSITION_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def attach(row: TitleRow, *, video_id: str, episode_id: str | None, now: dt.datetime) -> list[EventContract]:
    """Attaches a ready video to the title or one episode; draft/processing titles become ready."""
    if row.status == TitleStatus.ARCHIVED:
        raise IllegalTransitionError(TitleStatus.ARCHIVED, Action.VIDEO_READY)
    if episode_id is not None:
        episode = next((e for s in row.seasons for e in s.episodes if e.id == episode_id), None)
        if episode is None:
            raise EpisodeNotFoundError(row.id, episode_id)
        episode.video_id = video_id
    elif row.content_type == "tv_series":
        raise InvalidInputError("A series plays its episodes: name the episode_id.", field="episode_id")
    else:
        row.video_id = video_id
    if row.status in (TitleStatus.DRAFT, TitleStatus.PROCESSING):
        row.status = next_status(TitleStatus(row.status), Action.VIDEO_READY)
    row.updated_at = now
    if row.status == TitleStatus.PUBLISHED:
        return publishing.published(row, now)  # delivery learns the new video of a live title
    return []
