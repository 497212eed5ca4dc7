"""Events the delivery service publishes (for viewing history and analytics)."""

from __future__ import annotations

import datetime as dt

from cinemesh.contracts.events import EventContract

PLAYBACK_TOPIC = "delivery.playback"


class PlaybackStartedV1(EventContract):
    event_type = "delivery.playback.started.v1"
    topic = PLAYBACK_TOPIC
    subject_field = "session_id"

    session_id: str
    user_id: str
    profile_id: str
    device_id: str
    content_id: str
    video_id: str
    max_height: int
    started_at: dt.datetime
    # Added fields (defaults keep older payloads valid): the plan and the viewer's country.
    tier: str | None = None
    country: str | None = None
    # A trailer's session (free, outside the plan's streams): views and resume points skip it.
    trailer: bool = False


class PlaybackEndedV1(EventContract):
    event_type = "delivery.playback.ended.v1"
    topic = PLAYBACK_TOPIC
    subject_field = "session_id"

    session_id: str
    user_id: str
    profile_id: str
    content_id: str
    reason: str  # stopped, stopped_elsewhere (stop-others), heartbeat_timeout, revoked
    ended_at: dt.datetime
    video_id: str | None = None
    position_seconds: float | None = None  # the last position the player reported
    trailer: bool = False


class PlaybackProgressV1(EventContract):
    """A player's progress report (its heartbeat with a position), as delivery received it.

    The player reports once per interval, at once on a seek or a pause, to delivery only;
    viewing history keeps the resume points from these. `reported_at` is delivery's clock when
    the report arrived, and `sequence` counts the session's reports: within a session a report
    with a lower sequence is older, whatever order the bus hands them over in.
    """

    event_type = "delivery.playback.progress.v1"
    topic = PLAYBACK_TOPIC
    subject_field = "session_id"

    session_id: str
    user_id: str
    profile_id: str
    device_id: str
    content_id: str
    title_id: str | None  # the series for an episode, the title for a movie
    content_type: str | None  # movie, episode, trailer ... (None: not known to delivery)
    video_id: str
    position_seconds: float
    duration_seconds: float | None
    trailer: bool
    sequence: int
    reported_at: dt.datetime
