"""Request and response models of the playback routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class PlaybackRequest(BaseModel):
    content_id: str = Field(max_length=64)
    profile_id: str = Field(max_length=64)
    device_id: str = Field(max_length=64)
    max_height: int | None = Field(None, ge=144, le=4320, description="Highest quality wanted, e.g. 1080.")
    unlock_token: str | None = Field(None, max_length=4096, description="From the profile unlock (PIN).")


class DrmInfo(BaseModel):
    hls: dict[str, Any] | None
    dash: dict[str, Any] | None


class PlaybackSession(BaseModel):
    session_id: str
    hls_url: str
    dash_url: str | None
    drm: DrmInfo
    thumbnails_vtt: str | None
    max_height: int
    tier: str
    expires_at: dt.datetime
    heartbeat_interval_seconds: int


# No title lasts a week (media refuses sources past its max duration, hours); anything beyond is
# a broken or hostile client, and a non-finite value would turn into null in the ended event.
MAX_POSITION_SECONDS = 7 * 24 * 3600


class Heartbeat(BaseModel):
    position_seconds: float | None = Field(
        None,
        ge=0,
        le=MAX_POSITION_SECONDS,
        allow_inf_nan=False,
        description="Where the player is in the title, in seconds (at most 7 days).",
    )


class HeartbeatAck(BaseModel):
    session_id: str
    expires_at: dt.datetime
    heartbeat_interval_seconds: int


class StopOthers(BaseModel):
    keep_device_id: str | None = Field(
        None, max_length=64, description="This device's id: its own sessions keep playing."
    )


class Stopped(BaseModel):
    stopped: int
