""" "Did you mean": when nothing matches, each query word swapped for the most frequent index
word nearest to it (a looser budget than matching: up to a third of its letters)."""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cinemesh.discovery.domain.search import Term
from cinemesh.discovery.engine.vocabulary import Vocabulary


def did_you_mean(
    terms: tuple[Term, ...], vocabulary: Vocabulary, frequency: Callable[[int], int]
) -> str | None:
    corrected: list[str] = []
    for term in terms:
        if term.word in vocabulary.ids or len(term.word) < 3:
            corrected.append(term.word)
            continue
        budget = max(2, (len(term.word) + 2) // 3)
        near = process.extract(
            term.word, vocabulary.words, scorer=OSA.distance, score_cutoff=budget, limit=20
        )
        if not near:
            corrected.append(term.word)
            continue
        word = min(near, key=lambda found: (found[1], -frequency(vocabulary.ids[found[0]])))[0]
        corrected.append(word)
    suggestion = " ".join(corrected)
    return suggestion if suggestion != " ".join(term.word for term in terms) else None
