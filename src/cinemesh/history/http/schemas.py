"""Request and response bodies of viewing history."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from cinemesh.history.domain import Progress, percent
from cinemesh.history.series import NextKind, NextUp


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


class NextUpItem(BaseModel):
    title_id: str = Field(description="The series.")
    content_id: str = Field(description="The episode to play.")
    kind: NextKind = Field(description="resume: at `position_seconds`; start: from the beginning.")
    series_title: str | None
    season_number: int | None
    episode_number: int | None
    episode_name: str | None
    position_seconds: float | None
    duration_seconds: float | None
    progress_percent: float | None
    updated_at: dt.datetime = Field(description="When the profile last played the series.")

    @classmethod
    def of(cls, offer: NextUp) -> NextUpItem:
        state = ProgressItem.of(offer.progress) if offer.progress is not None else None
        resume = offer.kind is NextKind.RESUME and state is not None
        return cls(
            title_id=offer.title_id,
            content_id=offer.content_id,
            kind=offer.kind,
            series_title=offer.series_title,
            season_number=offer.episode.season_number if offer.episode else None,
            episode_number=offer.episode.episode_number if offer.episode else None,
            episode_name=offer.episode.name if offer.episode else None,
            position_seconds=state.position_seconds if resume and state else None,
            duration_seconds=state.duration_seconds if state else None,
            progress_percent=state.progress_percent if resume and state else None,
            updated_at=offer.updated_at,
        )


class NextUpList(BaseModel):
    items: list[NextUpItem]


class ProfileHistory(BaseModel):
    profile_id: str
    paused: bool = Field(description="History is paused: playback leaves none.")
    watch_history_included: bool = Field(description="false: kept out of recommendations.")
    items: list[ProgressItem] = Field(description="Every entry, most recently changed first.")


class HistoryExportBody(BaseModel):
    format: str
    exported_at: dt.datetime
    profiles: list[ProfileHistory]
