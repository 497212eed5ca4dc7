"""What recommendations know of a title (taken from the catalog's document snapshot, as search
does) and the shelf of every known title, with who may see each: the same rule as browse and
search (`SearchDocument.visible_to`: published, allowed under the limit, a window open here now).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cinemesh.contracts.catalog import AvailabilityWindow
from cinemesh.discovery.domain.documents import HIT_FIELDS, Audience, visible

DIRECTING_JOBS = frozenset({"director", "co-director"})


@dataclass(frozen=True)
class ShelfTitle:
    title_id: str
    version: int
    title: str
    published: bool
    maturity_rating: str | None
    release_year: int | None
    genres: tuple[str, ...]
    directors: tuple[str, ...]
    actors: tuple[str, ...]
    windows: tuple[AvailabilityWindow, ...]
    published_at: dt.datetime | None = None
    card: dict[str, Any] = field(default_factory=dict, compare=False)

    def visible_to(self, audience: Audience) -> bool:
        return visible(self.published, self.maturity_rating, self.windows, audience)


def _time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def shelf_title(document: dict[str, Any]) -> ShelfTitle:
    crew = document.get("crew") or ()
    return ShelfTitle(
        title_id=document["id"],
        version=int(document.get("version") or 0),
        title=document.get("title") or "",
        published=document.get("status") == "published",
        maturity_rating=document.get("maturity_rating"),
        release_year=document.get("release_year"),
        genres=tuple(document.get("genres") or ()),
        directors=tuple(c["name"] for c in crew if c.get("name") and c.get("job") in DIRECTING_JOBS),
        actors=tuple(c["name"] for c in document.get("cast") or () if c.get("name")),
        windows=tuple(AvailabilityWindow.model_validate(w) for w in document.get("availability") or ()),
        published_at=_time(document.get("published_at")),
        card={name: document.get(name) for name in HIT_FIELDS},
    )


class Shelf:
    """Every title the catalog told of, newest version each, with the inverted lists the
    metadata similarity walks (director, actor, genre -> titles)."""

    def __init__(self) -> None:
        self.titles: dict[str, ShelfTitle] = {}
        self.by_feature: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._newest: list[str] | None = None
        self.generation = 0  # counts changes: what is derived from the titles knows it is stale

    def __len__(self) -> int:
        return len(self.titles)

    def get(self, title_id: str) -> ShelfTitle | None:
        return self.titles.get(title_id)

    def upsert(self, documents: Iterable[dict[str, Any]]) -> int:
        applied = 0
        for document in documents:
            kept = self.titles.get(document["id"])
            if kept is not None and kept.version >= int(document.get("version") or 0):
                continue
            title = shelf_title(document)
            if kept is not None:
                for key in features(kept):
                    self.by_feature[key].discard(kept.title_id)
            self.titles[title.title_id] = title
            for key in features(title):
                self.by_feature[key].add(title.title_id)
            self._newest = None
            self.generation += 1
            applied += 1
        return applied

    def clear(self) -> None:
        self.titles.clear()
        self.by_feature.clear()
        self._newest = None
        self.generation += 1

    def visible(self, title_id: str, audience: Audience) -> ShelfTitle | None:
        title = self.titles.get(title_id)
        return title if title is not None and title.visible_to(audience) else None

    def newest(self) -> list[str]:
        """Published titles, newest release first (publication time, then release year)."""
        if self._newest is None:
            floor = dt.datetime.min.replace(tzinfo=dt.UTC)
            published = [t for t in self.titles.values() if t.published]
            published.sort(key=lambda t: (t.published_at or floor, t.release_year or 0), reverse=True)
            self._newest = [t.title_id for t in published]
        return self._newest


def features(title: ShelfTitle) -> list[tuple[str, str]]:
    return (
        [("director", name) for name in title.directors]
        + [("actor", name) for name in title.actors]
        + [("genre", genre) for genre in title.genres]
    )
