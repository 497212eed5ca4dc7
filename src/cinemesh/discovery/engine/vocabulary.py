"""The index's words, and which of them a query word reaches: exactly, as a prefix, within a
typo budget (Typesense's: one from 4 letters, two from 7; transpositions count one), or as a
substring ("maid" in "mermaid", which Meilisearch and Typesense miss by default).

Typos are measured with rapidfuzz's optimal-string-alignment distance over the words of the
query word's length band; the sorted vocabulary (for prefixes) and the joined text (for
substrings) are rebuilt lazily after words were added, so a burst of publishes costs one sort.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cinemesh.discovery.domain.text import STOP_WORDS, max_typos

MAX_EXPANSIONS = 200  # words one prefix or substring may reach (the most frequent kept)
MIN_SUBSTRING = 3


@dataclass(frozen=True)
class WordMatch:
    """How a query word reached an index word."""

    typos: int
    first_letter: bool = False  # the typo is on the first letter: allowed, ranked lower
    prefix: bool = False
    substring: bool = False

    @property
    def exact(self) -> bool:
        return not (self.typos or self.prefix or self.substring)

    @property
    def cost(self) -> float:
        """Typos as ranked: a first-letter typo weighs half again, a substring like one typo."""
        if self.substring:
            return 1.0
        return self.typos + (0.5 if self.first_letter else 0.0)


class Vocabulary:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []
        self._by_length: dict[int, list[str]] = {}
        self._sorted: list[str] | None = None
        self._joined: tuple[str, list[int], list[str]] | None = None

    def id_of(self, word: str) -> int:
        found = self.ids.get(word)
        if found is None:
            found = self.ids[word] = len(self.words)
            self.words.append(word)
            self._by_length.setdefault(len(word), []).append(word)
            self._sorted = None
            self._joined = None
        return found

    def _sorted_words(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.words)
        return self._sorted

    def _joined_words(self) -> tuple[str, list[int], list[str]]:
        if self._joined is None:
            ordered = self._sorted_words()
            starts, offset = [], 0
            for word in ordered:
                starts.append(offset)
                offset += len(word) + 1
            self._joined = ("\n".join(ordered), starts, ordered)
        return self._joined

    def matches(self, word: str, *, prefix: bool, frequency: Callable[[int], int]) -> dict[int, WordMatch]:
        """Index word id -> how `word` reaches it; the exact match wins over any other way."""
        found: dict[int, WordMatch] = {}
        budget = max_typos(word)
        if budget:
            # Only lengths within the budget can be near; each band is scanned in C as it is.
            for length in range(len(word) - budget, len(word) + budget + 1):
                band = self._by_length.get(length)
                if not band:
                    continue
                for candidate, distance, _ in process.extract(
                    word, band, scorer=OSA.distance, score_cutoff=budget, limit=None
                ):
                    first = candidate[:1] != word[:1]
                    found[self.ids[candidate]] = WordMatch(
                        typos=int(distance), first_letter=first and distance > 0
                    )
        if prefix:
            for candidate in self._frequent(self._prefixed(word), frequency):
                wid = self.ids[candidate]
                if wid not in found or found[wid].typos:
                    found[wid] = WordMatch(typos=0, prefix=candidate != word)
        if len(word) >= MIN_SUBSTRING and word not in STOP_WORDS:
            inside = WordMatch(typos=0, substring=True)
            for candidate in self._frequent(self._containing(word), frequency):
                wid = self.ids[candidate]
                if wid not in found or found[wid].cost > inside.cost:
                    found[wid] = inside
        exact = self.ids.get(word)
        if exact is not None:
            found[exact] = WordMatch(typos=0)
        return found

    def _frequent(self, candidates: list[str], frequency: Callable[[int], int]) -> list[str]:
        if len(candidates) <= MAX_EXPANSIONS:
            return candidates
        return heapq.nlargest(MAX_EXPANSIONS, candidates, key=lambda w: frequency(self.ids[w]))

    def _prefixed(self, word: str) -> list[str]:
        ordered = self._sorted_words()
        start = bisect.bisect_left(ordered, word)
        end = bisect.bisect_left(ordered, word + "\U0010ffff", lo=start)
        return ordered[start:end]

    def _containing(self, word: str) -> list[str]:
        """Words holding `word` anywhere: inside ("maid" in "mermaid"), or at the start for a
        word not typed last (those match as prefixes too, ranked as a substring)."""
        text, starts, ordered = self._joined_words()
        found: list[str] = []
        at = text.find(word)
        while at != -1:
            index = bisect.bisect_right(starts, at) - 1
            found.append(ordered[index])
            at = text.find(
                word, starts[index] + len(ordered[index]) + 1 if index + 1 < len(starts) else len(text)
            )
        return found
