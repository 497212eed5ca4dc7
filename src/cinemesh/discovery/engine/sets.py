"""Title numbers by value, so the audience rule, the filters and the facet counts are set
operations (C speed) instead of a Python test per matching title.

A window open since before the title was indexed and without an end stays open: such titles
are in `country_always` (or `world_always` less `world_except[country]`). Every other title
(a window not yet open, one that ends, several worldwide windows) is in `timed` and gets the
full rule (`SearchDocument.visible_to`) per query, so the sets never decide what they cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from cinemesh.contracts.ratings import MaturityRating, ratings_allowed_under
from cinemesh.discovery.domain.documents import SearchDocument
from cinemesh.discovery.domain.search import Filters, facet_values

FILTERED = ("type", "genre", "year", "rating", "audio", "subtitles")


class ValueSets:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.by_value: dict[str, dict[str, set[int]]] = {name: {} for name in (*FILTERED, "decade")}
        self.country_always: dict[str, set[int]] = {}
        self.world_always: set[int] = set()
        self.world_except: dict[str, set[int]] = {}
        self.timed: set[int] = set()
        self._cache: dict[object, set[int]] = {}

    def _keys(self, document: SearchDocument) -> Iterable[tuple[str, str]]:
        for name, values in facet_values(document).items():
            for value in values:
                yield name, value
        if document.release_year:
            yield "decade", f"{document.release_year // 10 * 10}s"

    def add(self, number: int, document: SearchDocument, *, now: dt.datetime) -> None:
        self._cache.clear()
        for name, value in self._keys(document):
            self.by_value[name].setdefault(value, set()).add(number)
        windows = document.windows
        worldwide = [w for w in windows if w.country == "*"]
        lasting = all(w.ends_at is None and w.starts_at <= now for w in windows)
        if not lasting or len(worldwide) > 1:
            self.timed.add(number)
            return
        for window in windows:
            if window.country != "*":
                self.country_always.setdefault(window.country, set()).add(number)
                continue
            self.world_always.add(number)
            for country in window.except_countries:
                self.world_except.setdefault(country, set()).add(number)

    def remove(self, number: int, document: SearchDocument) -> None:
        self._cache.clear()
        for name, value in self._keys(document):
            self.by_value[name].get(value, set()).discard(number)
        self.timed.discard(number)
        self.world_always.discard(number)
        for numbers in (*self.country_always.values(), *self.world_except.values()):
            numbers.discard(number)

    def open_in(self, country: str) -> set[int]:
        """Titles whose lasting windows cover `country` (the timed ones are checked apart)."""
        key = ("country", country)
        if key not in self._cache:
            world = self.world_always - self.world_except.get(country, set())
            self._cache[key] = self.country_always.get(country, set()) | world
        return self._cache[key]

    def allowed_under(self, limit: MaturityRating) -> set[int]:
        key = ("limit", limit)
        if key not in self._cache:
            ratings = self.by_value["rating"]
            allowed: set[int] = set()
            for rating in ratings_allowed_under(limit):
                allowed |= ratings.get(rating.value, set())
            self._cache[key] = allowed
        return self._cache[key]

    def filtered(self, filters: Filters) -> dict[str, set[int]]:
        """The titles each set filter lets through, by facet name."""
        chosen = {
            "type": filters.content_type,
            "genre": filters.genre,
            "rating": filters.rating,
            "audio": filters.audio,
            "subtitles": filters.subtitles,
        }
        found = {
            name: self.by_value[name].get(value, set()) for name, value in chosen.items() if value is not None
        }
        if filters.year_from is not None or filters.year_to is not None:
            low, high = filters.year_from or 0, filters.year_to or 9999
            years: set[int] = set()
            for year, numbers in self.by_value["year"].items():
                if low <= int(year) <= high:
                    years |= numbers
            found["year"] = years
        return found

    def counts(self, name: str, numbers: set[int]) -> dict[str, int]:
        counted = {}
        for value, having in self.by_value[name].items():
            count = len(numbers & having)  # walks the smaller of the two
            if count:
                counted[value] = count
        return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))
