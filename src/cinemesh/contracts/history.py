"""Events the viewing-history service publishes (for discovery and analytics).

Progress is coalesced: one event per profile and content at most every
`CINEMESH_HISTORY_PROGRESS_EVENT_SECONDS` (and on each state change: a new resume point after
none, completion), never one per player report.

Every progress and watched event carries the profile's `watch_history_included` preference:
discovery (recommendations) skips an event where it is false; analytics may still count it.
"""

from __future__ import annotations

import datetime as dt

from cinemesh.contracts.events import EventContract

HISTORY_TOPIC = "history.viewing"


class ProgressRecordedV1(EventContract):
    event_type = "history.progress.v1"
    topic = HISTORY_TOPIC
    subject_field = "profile_id"

    user_id: str
    profile_id: str
    content_id: str
    title_id: str | None
    position_seconds: float | None  # the resume point; None when there is none (<5 %, watched)
    duration_seconds: float | None
    completed: bool
    updated_at: dt.datetime
    # The profile's `watch_history_included`: false, discovery must not learn from this event.
    watch_history_included: bool = True


class WatchedChangedV1(EventContract):
    """A content was watched to the end (played past the completion mark) or marked by hand."""

    event_type = "history.watched.v1"
    topic = HISTORY_TOPIC
    subject_field = "profile_id"

    user_id: str
    profile_id: str
    content_id: str
    title_id: str | None
    watched: bool  # False: marked unwatched
    times_watched: int
    source: str  # played, marked
    changed_at: dt.datetime
    # The profile's `watch_history_included`: false, discovery must not learn from this event.
    watch_history_included: bool = True


class HistoryRemovedV1(EventContract):
    """A viewer deleted history: one content (`content_id`) or all of the profile's (None)."""

    event_type = "history.removed.v1"
    topic = HISTORY_TOPIC
    subject_field = "profile_id"

    user_id: str
    profile_id: str
    content_id: str | None
    removed_at: dt.datetime
