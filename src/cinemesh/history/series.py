"""Next up for series: the episode order history learns from catalog, and the rule. No I/O here.

Catalog publishes the whole title document with every change (`catalog.title.updated.v1`);
history keeps of a series only its playable episodes in order (season, then episode number).
A series resumes at its latest-played episode while that has a resume point; once it is
watched, the series offers the next episode in order the profile has not watched yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cinemesh.history.domain import Progress

SERIES_TYPE = "tv_series"
PUBLISHED = "published"


@dataclass(frozen=True)
class Episode:
    content_id: str
    season_number: int
    episode_number: int
    name: str | None


@dataclass(frozen=True)
class SeriesOrder:
    """A series' playable episodes in viewing order, as of catalog's `updated_at`."""

    title_id: str
    title: str | None
    published: bool
    episodes: tuple[Episode, ...]
    updated_at: dt.datetime

    def after(self, content_id: str) -> list[Episode]:
        """The episodes after `content_id` in order (empty when it is unknown or the last)."""
        ids = [episode.content_id for episode in self.episodes]
        if content_id not in ids:
            return []
        return list(self.episodes[ids.index(content_id) + 1 :])

    def episode(self, content_id: str) -> Episode | None:
        return next((e for e in self.episodes if e.content_id == content_id), None)


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def series_order(title_id: str, document: dict[str, Any], updated_at: dt.datetime) -> SeriesOrder | None:
    """The order of a series from catalog's title document; None for anything but a series."""
    if document.get("type") != SERIES_TYPE:
        return None
    episodes: list[Episode] = []
    seasons = [s for s in document.get("seasons") or [] if isinstance(s, dict)]
    for season in sorted(seasons, key=lambda s: _number(s.get("number"))):
        found = [e for e in season.get("episodes") or [] if isinstance(e, dict)]
        for episode in sorted(found, key=lambda e: _number(e.get("number"))):
            # Only an episode with a video plays: one without is skipped by next up.
            if episode.get("video_id") and isinstance(episode.get("id"), str):
                name = episode.get("name")
                episodes.append(
                    Episode(
                        content_id=episode["id"],
                        season_number=_number(season.get("number")),
                        episode_number=_number(episode.get("number")),
                        name=name if isinstance(name, str) else None,
                    )
                )
    title = document.get("title")
    return SeriesOrder(
        title_id=title_id,
        title=title if isinstance(title, str) else None,
        published=document.get("status") == PUBLISHED,
        episodes=tuple(episodes),
        updated_at=updated_at,
    )


class NextKind(StrEnum):
    RESUME = "resume"  # the latest episode, at its resume point
    START = "start"  # an episode to start: the next one after a watched one, or one barely begun


@dataclass(frozen=True)
class NextUp:
    title_id: str
    content_id: str
    kind: NextKind
    episode: Episode | None
    series_title: str | None
    progress: Progress | None  # the profile's state of that episode, if any
    updated_at: dt.datetime  # when the profile last played the series


def _for_series(latest: Progress, played: dict[str, Progress], order: SeriesOrder | None) -> NextUp | None:
    title_id = latest.title_id or latest.content_id

    def offer(content_id: str, kind: NextKind) -> NextUp:
        return NextUp(
            title_id=title_id,
            content_id=content_id,
            kind=kind,
            episode=order.episode(content_id) if order else None,
            series_title=order.title if order else None,
            progress=played.get(content_id),
            updated_at=latest.updated_at,
        )

    if order is not None and not order.published:
        return None  # off the catalog: nothing to offer
    if latest.resumable:
        return offer(latest.content_id, NextKind.RESUME)
    if order is None:
        return None  # episode order not known (yet): only a resume point can be offered
    if not latest.completed:
        return offer(latest.content_id, NextKind.START)  # started, under the resume minimum
    for episode in order.after(latest.content_id):
        seen = played.get(episode.content_id)
        if seen is None or not seen.completed:
            return offer(episode.content_id, NextKind.RESUME if seen and seen.resumable else NextKind.START)
    return None  # the series is watched to its last episode


def next_up(entries: list[Progress], orders: dict[str, SeriesOrder]) -> list[NextUp]:
    """One entry per series the profile played, most recently played first. A series is where
    its latest-played episode is; one the viewer removed from the row is left out."""
    played = {entry.content_id: entry for entry in entries}
    shown: list[NextUp] = []
    seen: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.updated_at, reverse=True):
        title_id = entry.title_id
        is_series = title_id is not None and (title_id in orders or title_id != entry.content_id)
        if not is_series or title_id in seen:
            continue
        assert title_id is not None
        seen.add(title_id)
        if entry.hidden:
            continue
        offered = _for_series(entry, played, orders.get(title_id))
        if offered is not None:
            shown.append(offered)
    return shown
