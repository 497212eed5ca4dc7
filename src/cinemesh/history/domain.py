"""Viewing history's rules: what a progress report does to a profile's state of one content.

No I/O here. `apply_report` is the whole rule set; the store keeps what it returns.

Ordering (docs/history.md): a report carries delivery's receive time and its sequence in its
playback session. Within a session the sequence decides (a higher one is newer); across
sessions (devices) delivery's receive time does. A report that is not newer than what the
state was built from changes nothing, so duplicates, redeliveries and a reordered batch are
no-ops and a position never moves backwards in time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from cinemesh.platform.errors import NotFoundError, RuleViolation

TRAILER = "trailer"


class ProfileNotFoundError(NotFoundError):
    """No such profile on the caller's account (another account's profile is not found either)."""

    code = "profile-not-found"


class EntryNotFoundError(NotFoundError):
    code = "history-entry-not-found"


class InvalidCursorError(RuleViolation):
    code = "invalid-cursor"


@dataclass(frozen=True)
class ResumeRules:
    """Jellyfin's defaults: under 5 % is no resume point, over 90 % is watched."""

    min_resume_percent: float = 5.0
    max_resume_percent: float = 90.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_resume_percent < self.max_resume_percent <= 100:
            raise ValueError("need 0 <= min_resume_percent < max_resume_percent <= 100")


@dataclass(frozen=True)
class Report:
    """One player report as delivery forwarded it."""

    session_id: str
    user_id: str
    profile_id: str
    device_id: str
    content_id: str
    title_id: str | None
    content_type: str | None
    position_seconds: float
    duration_seconds: float | None
    trailer: bool
    sequence: int
    reported_at: dt.datetime

    @property
    def counts(self) -> bool:
        """Trailers never make resume points or views."""
        return not self.trailer and self.content_type != TRAILER


@dataclass(frozen=True)
class Progress:
    """A profile's state of one content (a movie or an episode)."""

    user_id: str
    profile_id: str
    content_id: str
    title_id: str | None
    device_id: str | None
    position_seconds: float | None  # the resume point; None: none (unstarted, <5 %, or watched)
    duration_seconds: float | None
    completed: bool
    times_watched: int
    hidden: bool  # removed from continue watching; the resume point stays
    updated_at: dt.datetime
    watched_at: dt.datetime | None
    # What the state was built from (the ordering rule) and the session already counted as a view.
    session_id: str | None
    sequence: int
    reported_at: dt.datetime | None
    counted_session_id: str | None

    @property
    def resumable(self) -> bool:
        return self.position_seconds is not None


class Outcome(StrEnum):
    IGNORED = "ignored"  # stale, duplicate or a trailer: nothing changes
    RESUME_POINT = "resume_point"  # position kept as the resume point
    NO_RESUME_POINT = "no_resume_point"  # under the minimum: no resume point
    WATCHED = "watched"  # past the maximum: watched, resume point cleared (and counted once)
    WATCHED_AGAIN = "watched_again"  # past the maximum in a session already counted


def is_newer(report: Report, state: Progress | None) -> bool:
    if state is None or state.reported_at is None:
        return True
    if report.session_id == state.session_id:
        return report.sequence > state.sequence
    return report.reported_at > state.reported_at


def percent(position: float, duration: float | None) -> float | None:
    if duration is None or duration <= 0:
        return None
    return min(100.0, 100.0 * position / duration)


def apply_report(
    state: Progress | None, report: Report, rules: ResumeRules, *, now: dt.datetime
) -> tuple[Progress | None, Outcome]:
    """The new state after `report` (None and IGNORED when nothing changes)."""
    if not report.counts or not is_newer(report, state):
        return None, Outcome.IGNORED
    base = state or Progress(
        user_id=report.user_id,
        profile_id=report.profile_id,
        content_id=report.content_id,
        title_id=report.title_id,
        device_id=None,
        position_seconds=None,
        duration_seconds=None,
        completed=False,
        times_watched=0,
        hidden=False,
        updated_at=now,
        watched_at=None,
        session_id=None,
        sequence=0,
        reported_at=None,
        counted_session_id=None,
    )
    duration = report.duration_seconds or base.duration_seconds
    share = percent(report.position_seconds, duration)
    moved = replace(
        base,
        title_id=report.title_id or base.title_id,
        device_id=report.device_id,
        duration_seconds=duration,
        hidden=False,  # playing again brings a hidden title back to the row
        updated_at=now,
        session_id=report.session_id,
        sequence=report.sequence,
        reported_at=report.reported_at,
    )
    if share is not None and share > rules.max_resume_percent:
        if base.counted_session_id == report.session_id:
            return replace(moved, position_seconds=None), Outcome.WATCHED_AGAIN
        watched = replace(
            moved,
            position_seconds=None,
            completed=True,
            times_watched=base.times_watched + 1,
            watched_at=report.reported_at,
            counted_session_id=report.session_id,
        )
        return watched, Outcome.WATCHED
    if share is not None and share < rules.min_resume_percent:
        return replace(moved, position_seconds=None), Outcome.NO_RESUME_POINT
    return replace(moved, position_seconds=report.position_seconds), Outcome.RESUME_POINT


def mark_watched(state: Progress, *, watched: bool, now: dt.datetime) -> Progress:
    """By hand: watched clears the resume point and counts a view; unwatched forgets views."""
    if watched:
        return replace(
            state,
            completed=True,
            position_seconds=None,
            times_watched=state.times_watched + 1 if not state.completed else state.times_watched,
            watched_at=now,
            updated_at=now,
        )
    return replace(state, completed=False, times_watched=0, watched_at=None, updated_at=now)


def continue_watching(entries: list[Progress]) -> list[Progress]:
    """Most recent first, one entry per series (its most recent episode), hidden ones left out."""
    shown: list[Progress] = []
    seen_titles: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.updated_at, reverse=True):
        group = entry.title_id or entry.content_id
        if group in seen_titles:
            continue
        # A series is where its latest episode is: an older episode's point is not offered.
        seen_titles.add(group)
        if entry.resumable and not entry.hidden:
            shown.append(entry)
    return shown
