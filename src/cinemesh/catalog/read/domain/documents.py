"""The read side's view of a title document: who looks at it, what a card and a viewer see of it.
No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cinemesh.catalog.domain.titles import TitleStatus, Window, available
from cinemesh.contracts.ratings import MaturityRating, allowed

# Fields only editors see; viewers get the document without them.
EDITOR_ONLY = ("external_id", "created_by", "availability", "version")


@dataclass(frozen=True)
class Audience:
    """Who is looking: their region, the moment, and the active profile's maturity limit."""

    country: str | None
    at: dt.datetime
    max_rating: MaturityRating | None = None  # None: no profile limit


@dataclass(frozen=True)
class BrowseFilters:
    genre: str | None = None
    content_type: str | None = None
    language: str | None = None
    year: int | None = None


def windows_of(document: dict[str, Any]) -> list[Window]:
    return [
        Window(
            country=w["country"],
            starts_at=dt.datetime.fromisoformat(w["starts_at"]),
            ends_at=dt.datetime.fromisoformat(w["ends_at"]) if w["ends_at"] else None,
            # Documents from before worldwide windows have no such key.
            except_countries=frozenset(w.get("except_countries") or ()),
        )
        for w in document.get("availability", [])
    ]


def card_of(document: dict[str, Any]) -> dict[str, Any]:
    """The small browse-row form of a document: what a poster grid needs, nothing more."""
    keys = ("id", "title", "type", "maturity_rating", "release_year", "runtime_minutes", "genres", "images")
    return {key: document.get(key) for key in keys}


def viewer_view(document: dict[str, Any], *, country: str | None, at: dt.datetime) -> dict[str, Any]:
    """The document as a viewer sees it: no editor fields, only the episodes open in their region."""
    visible = {key: value for key, value in document.items() if key not in EDITOR_ONLY}
    title_windows = windows_of(document)
    seasons = []
    for season in document.get("seasons", []):
        episodes = []
        for episode in season["episodes"]:
            own = windows_of(episode)
            if any(w.is_open(country, at) for w in (own or title_windows)):
                episodes.append({key: value for key, value in episode.items() if key != "availability"})
        if episodes:
            seasons.append({**season, "episodes": episodes})
    visible["seasons"] = seasons
    return visible


def visible(document: dict[str, Any], audience: Audience) -> bool:
    """The same rule browse applies in SQL: published, open in the viewer's region, rating allowed."""
    return (
        document["status"] == TitleStatus.PUBLISHED
        and available(windows_of(document), audience.country, audience.at)
        and allowed(document["maturity_rating"], audience.max_rating)
    )
