"""The contract events viewing history emits, built from its domain state."""

from __future__ import annotations

import datetime as dt

from cinemesh.contracts.history import HistoryRemovedV1, ProgressRecordedV1, WatchedChangedV1
from cinemesh.history.domain import Progress

SOURCE = "cinemesh/history"


def progress_recorded(entry: Progress, *, included: bool) -> ProgressRecordedV1:
    """`included`: the profile's `watch_history_included` (false: not for recommendations)."""
    return ProgressRecordedV1(
        user_id=entry.user_id,
        profile_id=entry.profile_id,
        content_id=entry.content_id,
        title_id=entry.title_id,
        position_seconds=entry.position_seconds,
        duration_seconds=entry.duration_seconds,
        completed=entry.completed,
        updated_at=entry.updated_at,
        watch_history_included=included,
    )


def watched_changed(entry: Progress, *, source: str, included: bool) -> WatchedChangedV1:
    return WatchedChangedV1(
        user_id=entry.user_id,
        profile_id=entry.profile_id,
        content_id=entry.content_id,
        title_id=entry.title_id,
        watched=entry.completed,
        times_watched=entry.times_watched,
        source=source,
        changed_at=entry.updated_at,
        watch_history_included=included,
    )


def history_removed(
    *, user_id: str, profile_id: str, content_id: str | None, now: dt.datetime
) -> HistoryRemovedV1:
    return HistoryRemovedV1(user_id=user_id, profile_id=profile_id, content_id=content_id, removed_at=now)
