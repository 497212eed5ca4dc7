"""The embedded engine: an index of our own in the service's memory, loaded from its database.

Each title is a row of word ids (its attributes one after another, numerals with an alias at
the same position); each word has a posting array of title numbers. A query word reaches index
words through the vocabulary (exact, prefix, typos, substring), the titles holding every
required word are kept, the audience's rule and the filters applied, and the survivors ranked
by `Ranking` (explained per hit). An update gives the title a new number; the old one is a
tombstone until a compaction renumbers the postings.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable

from cinemesh.discovery.domain.documents import SearchDocument
from cinemesh.discovery.domain.search import (
    FACETS,
    Filters,
    Hit,
    Person,
    SearchRequest,
    SearchResult,
    Term,
    facet_values,
)
from cinemesh.discovery.domain.text import alias, words
from cinemesh.discovery.engine.ranking import Entry, Scan, entry_of, highlights, people_of, rank
from cinemesh.discovery.engine.suggestions import did_you_mean
from cinemesh.discovery.engine.vocabulary import Vocabulary, WordMatch

COMPACT_AFTER = 10_000  # tombstones


class MemoryIndex:
    """The `SearchEngine` port's embedded adapter (see `engine/port.py`)."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self._postings: list[array[int]] = []
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
        self._postings, self._entries, self._numbers, self._tombstones = [], [], {}, 0
        self._versions.clear()
        self._popularity.clear()

    def upsert(self, documents: Iterable[SearchDocument]) -> int:
        """Indexes each document unless a version as new is already in; returns how many."""
        applied = 0
        for document in documents:
            if self._versions.get(document.title_id, -1) >= document.version:
                continue
            self._versions[document.title_id] = document.version
            self._drop(document.title_id)
            if document.published:
                self._add(document)
            applied += 1
        if self._tombstones > COMPACT_AFTER and self._tombstones > len(self._numbers):
            self._compact()
        return applied

    def set_popularity(self, scores: dict[str, float]) -> None:
        self._popularity.update(scores)

    def _add(self, document: SearchDocument) -> None:
        entry = entry_of(document, self.vocabulary)
        number = len(self._entries)
        self._entries.append(entry)
        self._numbers[document.title_id] = number
        while len(self._postings) < len(self.vocabulary.words):
            self._postings.append(array("I"))
        for wid in {*entry.tokens, *(wid for _, wid in entry.aliases)}:
            self._postings[wid].append(number)

    def _drop(self, title_id: str) -> None:
        number = self._numbers.pop(title_id, None)
        if number is not None:
            self._entries[number] = None
            self._tombstones += 1

    def _compact(self) -> None:
        live = [entry for entry in self._entries if entry is not None]
        self._entries, self._numbers, self._tombstones = [], {}, 0
        self._postings = [array("I") for _ in self._postings]
        for entry in live:
            number = len(self._entries)
            self._entries.append(entry)
            self._numbers[entry.document.title_id] = number
            for wid in {*entry.tokens, *(wid for _, wid in entry.aliases)}:
                self._postings[wid].append(number)

    # -- reading -------------------------------------------------------------------------------

    def _frequency(self, wid: int) -> int:
        return len(self._postings[wid]) if wid < len(self._postings) else 0

    def _reach(self, terms: tuple[Term, ...]) -> list[dict[int, WordMatch]]:
        return [
            self.vocabulary.matches(term.word, prefix=term.prefix, frequency=self._frequency)
            for term in terms
        ]

    def _candidates(self, terms: tuple[Term, ...], reached: list[dict[int, WordMatch]]) -> set[int]:
        """Titles holding every required word; if none does, those holding the most of them."""
        required = [i for i, term in enumerate(terms) if not term.optional] or list(range(len(terms)))
        sets = []
        for i in required:
            numbers: set[int] = set()
            for wid in reached[i]:
                if wid < len(self._postings):
                    numbers.update(self._postings[wid])
            sets.append(numbers)
        sets.sort(key=len)
        found = set(sets[0]).intersection(*sets[1:]) if sets else set()
        if found or len(sets) < 2:
            return found
        counts = Counter(number for numbers in sets for number in numbers)
        most = max(counts.values(), default=0)
        return {number for number, count in counts.items() if count == most}

    def search(self, request: SearchRequest) -> SearchResult:
        terms = request.query.terms
        reached = self._reach(terms)
        lookup: dict[int, list[tuple[int, WordMatch]]] = {}
        for i, matches in enumerate(reached):
            for wid, match in matches.items():
                lookup.setdefault(wid, []).append((i, match))
        query_key = tuple(alias(w) or w for w in words(request.query.text))
        facets: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        scored: list[tuple[tuple[float, ...], str, str, Scan]] = []
        for number in self._candidates(terms, reached):
            entry = self._entries[number]
            if entry is None or not entry.document.visible_to(request.audience):
                continue
            failed = request.filters.failing(entry.document)
            if request.facets and len(failed) <= 1:
                _count(facets, entry.document, failed)
            if failed:
                continue
            popularity = self._popularity.get(entry.document.title_id, 0.0)
            scan = rank(entry, terms, lookup, query_key=query_key, popularity=popularity)
            scored.append((scan.ranking.key(), entry.sort_title, entry.document.title_id, scan))
        scored.sort(key=lambda item: item[:3])
        page = scored[request.offset : request.offset + request.limit]
        vocabulary = self.vocabulary.words
        hits = [
            Hit(s.entry.document, s.ranking, highlights(s, {vocabulary[wid] for wid in s.matched_words}))
            for *_, s in page
        ]
        result = SearchResult(
            hits=hits,
            total=len(scored),
            facets={name: dict(counts.most_common()) for name, counts in facets.items()}
            if request.facets
            else {},
            people=[Person(name, titles) for name, titles in people_of([item[3] for item in scored])],
        )
        if not scored:
            result.did_you_mean = did_you_mean(terms, self.vocabulary, self._frequency)
        return result


def _count(facets: dict[str, Counter[str]], document: SearchDocument, failed: list[str]) -> None:
    """Counts a title for every facet it passes the others' filters for (disjunctive facets):
    a title failing only the genre filter still counts under the genre facet."""
    for name, values in facet_values(document).items():
        if not failed or failed == [name]:
            facets[name].update(values)


__all__ = ["Filters", "MemoryIndex"]
