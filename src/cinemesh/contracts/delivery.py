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
    reason: str  # stopped, heartbeat_timeout, revoked
    ended_at: dt.datetime
    video_id: str | None = None
    position_seconds: float | None = None  # the last position the player reported
    trailer: bool = False
