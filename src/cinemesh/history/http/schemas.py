"""Request and response bodies of viewing history."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from cinemesh.history.domain import Progress, percent


class ProgressItem(BaseModel):
    content_id: str
    title_id: str | None
    position_seconds: float | None = Field(description="The resume point; null when there is none.")
    duration_seconds: float | None
    progress_percent: float | None
    completed: bool
    times_watched: int
    hidden: bool = Field(description="Removed from continue watching (the resume point is kept).")
    device_id: str | None
    updated_at: dt.datetime
    watched_at: dt.datetime | None

    @classmethod
    def of(cls, entry: Progress) -> ProgressItem:
        share = percent(entry.position_seconds, entry.duration_seconds) if entry.position_seconds else None
        return cls(
            content_id=entry.content_id,
            title_id=entry.title_id,
            position_seconds=entry.position_seconds,
            duration_seconds=entry.duration_seconds,
            progress_percent=round(share, 2) if share is not None else None,
            completed=entry.completed,
            times_watched=entry.times_watched,
            hidden=entry.hidden,
            device_id=entry.device_id,
            updated_at=entry.updated_at,
            watched_at=entry.watched_at,
        )


class ProgressList(BaseModel):
    items: list[ProgressItem]


class WatchedList(BaseModel):
    items: list[ProgressItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class PausedBody(BaseModel):
    paused: bool = Field(description="While paused, the profile's playback leaves no history.")
