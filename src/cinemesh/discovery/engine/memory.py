"""The embedded engine: an index of our own in the service's memory, loaded from its database.

Each title is a row of word ids (its attributes one after another, numerals with an alias at
the same position); each word has a posting array of title numbers, and one of the titles
holding it in their title. A query word reaches index words through the vocabulary (exact,
prefix, typos, substring); the titles holding every required word are kept, the audience's
rule and the filters applied and the facets counted as set operations (`ValueSets`), and only
as many titles ranked by `Ranking` as the page needs: the ranking's first steps are known from
the sets (every word without a typo and in the title; every word without a typo; the rest), so
those tiers are ranked in turn until the page is full. An update gives the title a new number;
the old one is a tombstone until a compaction renumbers the postings.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable

from cinemesh.discovery.domain.documents import SearchDocument
from cinemesh.discovery.domain.search import FACETS, Hit, Person, SearchRequest, SearchResult, Term
from cinemesh.discovery.domain.text import alias, words
from cinemesh.discovery.engine.ranking import Entry, Scan, entry_of, highlights, people_of, rank
from cinemesh.discovery.engine.sets import ValueSets
from cinemesh.discovery.engine.suggestions import did_you_mean
from cinemesh.discovery.engine.vocabulary import Vocabulary, WordMatch

COMPACT_AFTER = 10_000  # tombstones
Lookup = dict[int, list[tuple[int, WordMatch]]]


class MemoryIndex:
    """The `SearchEngine` port's embedded adapter (see `engine/port.py`)."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.sets = ValueSets()
        self._postings: list[array[int]] = []
        self._title_postings: list[array[int]] = []
        self._entries: list[Entry | None] = []
        self._numbers: dict[str, int] = {}
        self._versions: dict[str, int] = {}
        self._popularity: dict[str, float] = {}
        self._tombstones = 0

    def __len__(self) -> int:
        return len(self._numbers)

    # -- writing -------------------------------------------------------------------------------

    def clear(self) -> None:
        self.vocabulary.clear()
        self.sets.clear()
        self._postings, self._title_postings, self._entries = [], [], []
        self._numbers, self._tombstones = {}, 0
        self._versions.clear()
        self._popularity.clear()

    def upsert(self, documents: Iterable[SearchDocument]) -> int:
        """Indexes each document unless a version as new is already in; returns how many."""
        applied = 0
        now = dt.datetime.now(dt.UTC)
        for document in documents:
            if self._versions.get(document.title_id, -1) >= document.version:
                continue
            self._versions[document.title_id] = document.version
            self._drop(document.title_id)
            if document.published:
                self._add(entry_of(document, self.vocabulary), now=now)
            applied += 1
        if self._tombstones > COMPACT_AFTER and self._tombstones > len(self._numbers):
            self._compact()
        return applied

    def version_of(self, title_id: str) -> int:
        return self._versions.get(title_id, -1)

    def set_popularity(self, scores: dict[str, float]) -> None:
        self._popularity.update(scores)

    def _add(self, entry: Entry, *, now: dt.datetime) -> None:
        number = len(self._entries)
        self._entries.append(entry)
        self._numbers[entry.document.title_id] = number
        while len(self._postings) < len(self.vocabulary.words):
            self._postings.append(array("I"))
            self._title_postings.append(array("I"))
        for wid in {*entry.tokens, *(wid for _, wid in entry.aliases)}:
            self._postings[wid].append(number)
        for wid in entry.title_words():
            self._title_postings[wid].append(number)
        self.sets.add(number, entry.document, now=now)

    def _drop(self, title_id: str) -> None:
        number = self._numbers.pop(title_id, None)
        if number is not None:
            entry = self._entries[number]
            if entry is not None:
                self.sets.remove(number, entry.document)
            self._entries[number] = None
            self._tombstones += 1

    def _compact(self) -> None:
        live = [entry for entry in self._entries if entry is not None]
        self._entries, self._numbers, self._tombstones = [], {}, 0
        self._postings = [array("I") for _ in self._postings]
        self._title_postings = [array("I") for _ in self._title_postings]
        self.sets.clear()
        now = dt.datetime.now(dt.UTC)
        for entry in live:
            self._add(entry, now=now)

    # -- reading -------------------------------------------------------------------------------

    def _frequency(self, wid: int) -> int:
        return len(self._postings[wid]) if wid < len(self._postings) else 0

    def _union(self, postings: list[array[int]], wids: Iterable[int]) -> set[int]:
        numbers: set[int] = set()
        for wid in wids:
            if wid < len(postings):
                numbers.update(postings[wid])
        return numbers

    def _candidates(self, terms: tuple[Term, ...], reached: list[dict[int, WordMatch]]) -> set[int]:
        """Titles holding every required word (none: "did you mean" offers another query)."""
        required = [i for i, term in enumerate(terms) if not term.optional]
        sets = sorted((self._union(self._postings, reached[i]) for i in required), key=len)
        return sets[0].intersection(*sets[1:]) if sets else set()

    def _tiers(
        self, terms: tuple[Term, ...], reached: list[dict[int, WordMatch]], found: set[int]
    ) -> list[tuple[set[int], bool]]:
        """`found` split by the ranking's first steps: every required word without a typo and
        in the title (scanned there only), every word without a typo, the rest."""
        clean = [[wid for wid, match in reached[i].items() if match.cost == 0] for i in range(len(terms))]
        required = [i for i, term in enumerate(terms) if not term.optional]
        in_title = set(found)
        for i in required:
            in_title &= self._union(self._title_postings, clean[i])
        no_typo = found - in_title
        for i in required:
            no_typo &= self._union(self._postings, clean[i])
        return [(in_title, True), (no_typo, False), (found - in_title - no_typo, False)]

    def _visible(self, request: SearchRequest, found: set[int]) -> set[int]:
        audience = request.audience
        if audience.country is None:
            return set()
        visible = found & self.sets.open_in(audience.country)
        for number in found & self.sets.timed:
            entry = self._entries[number]
            if entry is not None and entry.document.visible_to(audience):
                visible.add(number)
        if audience.max_rating is not None:
            visible &= self.sets.allowed_under(audience.max_rating)
        return visible

    def _facets(self, visible: set[int], filtered: dict[str, set[int]]) -> dict[str, dict[str, int]]:
        """Each facet counted over the titles every other filter lets through (disjunctive)."""
        facets = {}
        for facet, own_filter in FACETS.items():
            numbers = visible
            for name, passing in filtered.items():
                if name != own_filter:
                    numbers = numbers & passing
            facets[facet] = self.sets.counts(facet, numbers)
        return facets

    def search(self, request: SearchRequest) -> SearchResult:
        terms = request.query.terms
        reached = [
            self.vocabulary.matches(term.word, prefix=term.prefix, frequency=self._frequency)
            for term in terms
        ]
        lookup: Lookup = {}
        for i, matches in enumerate(reached):
            for wid, match in matches.items():
                lookup.setdefault(wid, []).append((i, match))
        found = self._candidates(terms, reached)
        visible = self._visible(request, found)
        filtered = self.sets.filtered(request.filters)
        results = visible
        for passing in sorted(filtered.values(), key=len):
            results = results & passing
        tiers = self._tiers(terms, reached, results)
        scans = self._rank(request, tiers, lookup)
        vocabulary = self.vocabulary.words
        page = scans[request.offset : request.offset + request.limit]
        return SearchResult(
            hits=[
                Hit(s.entry.document, s.ranking, highlights(s, {vocabulary[w] for w in s.matched_words}))
                for s in page
            ],
            total=len(results),
            facets=self._facets(visible, filtered) if request.facets else {},
            people=[Person(name, titles) for name, titles in people_of(scans)],
            did_you_mean=None if results else did_you_mean(terms, self.vocabulary, self._frequency),
        )

    def _rank(self, request: SearchRequest, tiers: list[tuple[set[int], bool]], lookup: Lookup) -> list[Scan]:
        """The tiers ranked in turn until the page is full (a later tier ranks below)."""
        needed = request.offset + request.limit
        query_key = tuple(alias(w) or w for w in words(request.query.text))
        ranked: list[Scan] = []
        for numbers, title_only in tiers:
            if len(ranked) >= needed:
                break
            scored = []
            for number in numbers:
                entry = self._entries[number]
                if entry is None:
                    continue
                scan = rank(
                    entry,
                    request.query.terms,
                    lookup,
                    query_key=query_key,
                    popularity=self._popularity.get(entry.document.title_id, 0.0),
                    upto=entry.title_end if title_only else None,
                )
                scored.append((scan.ranking.key(), entry.sort_title, entry.document.title_id, scan))
            scored.sort(key=lambda item: item[:3])
            ranked += [item[3] for item in scored]
        return ranked
