"""Use cases of viewing history (keyword-only), one transaction each.

Reports arrive in the event consumer's transaction (with its inbox claim); the viewer's own
actions open their own. Every change takes the profile's next change number and, after the
commit, wakes the profile's open streams (`on_change`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.publishing import record_event
from cinemesh.history import domain
from cinemesh.history.domain import (
    EntryNotFoundError,
    InvalidCursorError,
    Outcome,
    ProfileNotFoundError,
    Progress,
    Report,
    ResumeRules,
)
from cinemesh.history.publishing import SOURCE, history_removed, progress_recorded, watched_changed
from cinemesh.history.shards import HistoryShards
from cinemesh.history.store import HistoryStore, ProfileState

ChangeListener = Callable[[str], None]
RECENT_SCAN = 200  # rows read to build continue watching (one per series, most recent first)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class WatchedPage:
    items: list[Progress]
    next_cursor: str | None


def encode_cursor(entry: Progress) -> str:
    assert entry.watched_at is not None
    raw = f"{entry.watched_at.isoformat()}|{entry.content_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, content_id = raw.split("|", 1)
        return dt.datetime.fromisoformat(at), content_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursorError("The cursor is not one this service gave.", field="cursor") from error


class HistoryService:
    def __init__(
        self, *, shards: HistoryShards, rules: ResumeRules, progress_event_every: dt.timedelta
    ) -> None:
        self.shards = shards
        self.rules = rules
        self.progress_event_every = progress_event_every
        self._listeners: list[ChangeListener] = []

    def on_change(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def _after_commit(self, session: AsyncSession, profile_id: str) -> None:
        def notify(_: object) -> None:
            for listener in self._listeners:
                listener(profile_id)

        event.listen(session.sync_session, "after_commit", notify, once=True)

    # -- reports (in the consumer's transaction) ---------------------------------------------
    async def record_report(self, joined: AsyncSession, *, report: Report) -> Outcome:
        async with self.shards.transaction(report.user_id, joined=joined) as session:
            return await self._record_report(session, report=report)

    async def _record_report(self, session: AsyncSession, *, report: Report) -> Outcome:
        store = HistoryStore(session)
        # One statement locks the profile, reads it and takes the change number (three hops a
        # report: this, the entry's read, its update; bench/history_sync.py).
        profile = await store.take_change(report.profile_id)
        if profile is None:  # the report overtook the profile's own event
            await store.upsert_profile(profile_id=report.profile_id, user_id=report.user_id, is_kids=None)
            profile = await store.take_change(report.profile_id)
            assert profile is not None
        elif profile.paused or profile.user_id != report.user_id:
            return Outcome.IGNORED
        included = profile.watch_history_included
        stored = await store.entry(report.profile_id, report.content_id)
        now = _now()
        entry, outcome = domain.apply_report(stored.progress if stored else None, report, self.rules, now=now)
        if entry is None:
            return outcome
        event_at = stored.progress_event_at if stored else None
        if outcome is Outcome.WATCHED:
            await record_event(
                session, watched_changed(entry, source="played", included=included), source=SOURCE
            )
            event_at = now
        elif self._progress_event_due(stored.progress if stored else None, entry, event_at, now=now):
            await record_event(session, progress_recorded(entry, included=included), source=SOURCE)
            event_at = now
        await store.save(
            entry, change_seq=profile.change_seq, progress_event_at=event_at, exists=stored is not None
        )
        self._after_commit(session, report.profile_id)
        return outcome

    def _progress_event_due(
        self, before: Progress | None, after: Progress, event_at: dt.datetime | None, *, now: dt.datetime
    ) -> bool:
        """Coalesced: when the resume point appears or goes, else at most once per interval."""
        if before is None or before.resumable != after.resumable or event_at is None:
            return True
        return now - event_at >= self.progress_event_every

    # -- projection of profiles (in the consumer's transaction) ------------------------------
    async def profile_changed(
        self,
        joined: AsyncSession,
        *,
        user_id: str,
        profile_id: str,
        is_kids: bool,
        deleted: bool,
        watch_history_included: bool = True,
    ) -> None:
        async with self.shards.transaction(user_id, joined=joined) as session:
            store = HistoryStore(session)
            if deleted:
                await store.delete_profile(profile_id)
            else:
                await store.upsert_profile(
                    profile_id=profile_id,
                    user_id=user_id,
                    is_kids=is_kids,
                    watch_history_included=watch_history_included,
                )
            self._after_commit(session, profile_id)

    async def user_deleted(self, joined: AsyncSession, *, user_id: str) -> None:
        async with self.shards.transaction(user_id, joined=joined) as session:
            await HistoryStore(session).delete_user(user_id)

    # -- the viewer's reads and actions ------------------------------------------------------
    @staticmethod
    async def owned(
        store: HistoryStore, *, user_id: str, profile_id: str, lock: bool = False
    ) -> ProfileState:
        profile = await store.profile(profile_id, for_update=lock)
        # Another account's profile is indistinguishable from a missing one (no IDOR oracle).
        if profile is None or profile.user_id != user_id:
            raise ProfileNotFoundError("No such profile on this account.", field="profile_id")
        return profile

    async def authorize(self, *, user_id: str, profile_id: str) -> ProfileState:
        async with self.shards.session(user_id) as session:
            return await self.owned(HistoryStore(session), user_id=user_id, profile_id=profile_id)

    async def continue_watching(self, *, user_id: str, profile_id: str, limit: int) -> list[Progress]:
        async with self.shards.session(user_id) as session:
            store = HistoryStore(session)
            await self.owned(store, user_id=user_id, profile_id=profile_id)
            recent = await store.recent(profile_id, limit=RECENT_SCAN)
        return domain.continue_watching(recent)[:limit]

    async def watched(self, *, user_id: str, profile_id: str, limit: int, cursor: str | None) -> WatchedPage:
        before = decode_cursor(cursor) if cursor else None
        async with self.shards.session(user_id) as session:
            store = HistoryStore(session)
            await self.owned(store, user_id=user_id, profile_id=profile_id)
            rows = await store.watched(profile_id, limit=limit + 1, before=before)
        page = rows[:limit]
        return WatchedPage(items=page, next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None)

    async def progress(self, *, user_id: str, profile_id: str, content_id: str) -> Progress:
        async with self.shards.session(user_id) as session:
            store = HistoryStore(session)
            await self.owned(store, user_id=user_id, profile_id=profile_id)
            stored = await store.entry(profile_id, content_id)
        if stored is None:
            raise EntryNotFoundError("No history for this content on this profile.", field="content_id")
        return stored.progress

    async def _change(
        self, *, user_id: str, profile_id: str, content_id: str, change: Callable[[Progress], Progress]
    ) -> Progress:
        async with self.shards.transaction(user_id) as session:
            store = HistoryStore(session)
            profile = await self.owned(store, user_id=user_id, profile_id=profile_id, lock=True)
            stored = await store.entry(profile_id, content_id)
            if stored is None:
                raise EntryNotFoundError("No history for this content on this profile.", field="content_id")
            entry = change(stored.progress)
            if entry.completed != stored.progress.completed:
                marked = watched_changed(entry, source="marked", included=profile.watch_history_included)
                await record_event(session, marked, source=SOURCE)
            seq = await store.next_change(profile_id)
            await store.save(entry, change_seq=seq, progress_event_at=stored.progress_event_at, exists=True)
            self._after_commit(session, profile_id)
        return entry

    async def hide(self, *, user_id: str, profile_id: str, content_id: str) -> Progress:
        """Off the continue-watching row; the resume point stays (playing again brings it back)."""
        now = _now()
        return await self._change(
            user_id=user_id,
            profile_id=profile_id,
            content_id=content_id,
            change=lambda entry: replace(entry, hidden=True, updated_at=now),
        )

    async def mark(self, *, user_id: str, profile_id: str, content_id: str, watched: bool) -> Progress:
        now = _now()
        return await self._change(
            user_id=user_id,
            profile_id=profile_id,
            content_id=content_id,
            change=lambda entry: domain.mark_watched(entry, watched=watched, now=now),
        )

    async def delete(self, *, user_id: str, profile_id: str, content_id: str | None) -> int:
        """One content's history (`content_id`) or all of the profile's (None)."""
        async with self.shards.transaction(user_id) as session:
            store = HistoryStore(session)
            await self.owned(store, user_id=user_id, profile_id=profile_id, lock=True)
            removed = await store.delete_entry(profile_id, content_id)
            if content_id is not None and removed == 0:
                raise EntryNotFoundError("No history for this content on this profile.", field="content_id")
            if removed:
                await store.next_change(profile_id, removal=True)
                await record_event(
                    session,
                    history_removed(
                        user_id=user_id, profile_id=profile_id, content_id=content_id, now=_now()
                    ),
                    source=SOURCE,
                )
                self._after_commit(session, profile_id)
        return removed

    async def set_paused(self, *, user_id: str, profile_id: str, paused: bool) -> None:
        async with self.shards.transaction(user_id) as session:
            store = HistoryStore(session)
            await self.owned(store, user_id=user_id, profile_id=profile_id, lock=True)
            await store.set_paused(profile_id, paused=paused)

    async def snapshot(self, *, user_id: str, profile_id: str) -> tuple[ProfileState | None, list[Progress]]:
        """For a stream (the caller already authorized it): the profile and its row."""
        async with self.shards.session(user_id) as session:
            store = HistoryStore(session)
            profile = await store.profile(profile_id)
            recent = await store.recent(profile_id, limit=RECENT_SCAN) if profile else []
        return profile, domain.continue_watching(recent)

    async def changes(
        self, *, user_id: str, profile_id: str, since: int
    ) -> tuple[ProfileState | None, list[Progress], int]:
        """For a stream: the profile, the entries changed after `since`, and the newest number."""
        async with self.shards.session(user_id) as session:
            store = HistoryStore(session)
            profile = await store.profile(profile_id)
            if profile is None:
                return None, [], since
            changed = await store.changed_since(profile_id, since)
        return profile, [entry for entry, _ in changed], max([since, *(seq for _, seq in changed)])
