"""What search knows of a title, taken from the catalog's document snapshot, and who may see it.

The catalog publishes the whole title as `TitleUpdatedV1.document` on every change; search
keeps the fields below. Who may see a title is the catalog's rule, not a copy: the window test
is `AvailabilityWindow.is_open` and the maturity test `ratings.allowed`, both in contracts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cinemesh.contracts.catalog import AvailabilityWindow
from cinemesh.contracts.ratings import MaturityRating, allowed

# Attributes in ranking order: a match in an earlier one ranks higher (Meilisearch's attribute
# rule). Episode names rank with genres' neighbours, descriptions last.
TITLE, ORIGINAL_TITLE, PEOPLE, GENRES, EPISODES, DESCRIPTION = range(6)
ATTRIBUTE_NAMES = ("title", "original_title", "cast_crew", "genres", "episodes", "description")


@dataclass(frozen=True)
class Audience:
    """Who is looking: their region, the moment, and the active profile's maturity limit."""

    country: str | None
    at: dt.datetime
    max_rating: MaturityRating | None = None


def visible(
    published: bool, rating: str | None, windows: tuple[AvailabilityWindow, ...], audience: Audience
) -> bool:
    """Browse's rule: published, allowed under the profile's limit, a window open here now."""
    return (
        published
        and allowed(rating, audience.max_rating)
        and any(window.is_open(audience.country, audience.at) for window in windows)
    )


@dataclass(frozen=True)
class SearchDocument:
    title_id: str
    version: int
    title: str
    content_type: str
    published: bool
    maturity_rating: str | None
    release_year: int | None
    genres: tuple[str, ...]
    audio: tuple[str, ...]
    subtitles: tuple[str, ...]
    people: tuple[str, ...]
    windows: tuple[AvailabilityWindow, ...]
    original_title: str = ""
    description: str = ""
    episodes: tuple[str, ...] = ()
    card: dict[str, Any] = field(default_factory=dict, compare=False)

    def visible_to(self, audience: Audience) -> bool:
        return visible(self.published, self.maturity_rating, self.windows, audience)

    def attributes(self) -> list[tuple[int, str]]:
        """The searchable texts with their attribute rank."""
        texts = [(TITLE, self.title), (ORIGINAL_TITLE, self.original_title)]
        texts += [(PEOPLE, name) for name in self.people]
        texts += [(GENRES, genre.replace("_", " ")) for genre in self.genres]
        texts += [(EPISODES, name) for name in self.episodes]
        texts.append((DESCRIPTION, self.description))
        return [(rank, text) for rank, text in texts if text]


def _people(document: dict[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for credit in (*(document.get("cast") or ()), *(document.get("crew") or ())):
        if credit.get("name") and credit["name"] not in names:
            names.append(credit["name"])
    return tuple(names)


def _episodes(document: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        episode["name"]
        for season in document.get("seasons") or ()
        for episode in season.get("episodes") or ()
        if episode.get("name")
    )


# What a hit carries besides its id and title: a poster grid's needs.
HIT_FIELDS = ("type", "maturity_rating", "release_year", "runtime_minutes", "genres", "images")


def search_document(document: dict[str, Any]) -> SearchDocument:
    """The searchable form of a catalog document snapshot."""
    return SearchDocument(
        title_id=document["id"],
        version=int(document.get("version") or 0),
        title=document.get("title") or "",
        original_title=document.get("original_title") or "",
        content_type=document.get("type") or "",
        published=document.get("status") == "published",
        maturity_rating=document.get("maturity_rating"),
        release_year=document.get("release_year"),
        genres=tuple(document.get("genres") or ()),
        audio=tuple(document.get("audio_languages") or ()),
        subtitles=tuple(document.get("subtitle_languages") or ()),
        people=_people(document),
        windows=tuple(AvailabilityWindow.model_validate(w) for w in document.get("availability") or ()),
        description=document.get("description") or "",
        episodes=_episodes(document),
        card={name: document.get(name) for name in HIT_FIELDS},
    )
