"""One title against one query: where each query word matched and how, as a `Ranking`.

A title's attributes are laid out one after another as segments of word ids; proximity is the
distance between consecutive query words within a segment (8 across segments, as Meilisearch
caps it), attribute the sum of the ranks of the segments the words matched in.
"""

from __future__ import annotations

import itertools
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cinemesh.discovery.domain.documents import ORIGINAL_TITLE, PEOPLE, TITLE, SearchDocument
from cinemesh.discovery.domain.search import Ranking, Term
from cinemesh.discovery.domain.text import STOP_WORDS, alias, fold, spans, words
from cinemesh.discovery.engine.vocabulary import Vocabulary, WordMatch

MAX_PROXIMITY = 8
MAX_POSITION = 16
TITLE_IS_QUERY = 10
TITLE_COVERED = 5


@dataclass(frozen=True)
class Entry:
    document: SearchDocument
    tokens: array[int]  # word id per position
    aliases: tuple[tuple[int, int], ...]  # (position, word id): a numeral's other spelling
    segments: array[int]  # segment per position
    starts: tuple[int, ...]  # first position of each segment
    ranks: bytes  # attribute rank of each segment
    texts: tuple[str, ...]  # each segment's text (highlights, people)
    title_key: tuple[str, ...]  # the title's words less stop words, numerals as digits
    sort_title: str
    title_end: int  # the first position past the title and original title

    def title_words(self) -> set[int]:
        words = set(self.tokens[: self.title_end])
        words.update(wid for position, wid in self.aliases if position < self.title_end)
        return words


def entry_of(document: SearchDocument, vocabulary: Vocabulary) -> Entry:
    tokens, segments, aliases, starts, ranks, texts = array("I"), array("H"), [], [], [], []
    for segment, (rank, text) in enumerate(document.attributes()):
        starts.append(len(tokens))
        ranks.append(rank)
        texts.append(text)
        for word in words(text):
            other = alias(word)
            if other is not None:
                aliases.append((len(tokens), vocabulary.id_of(other)))
            tokens.append(vocabulary.id_of(word))
            segments.append(min(segment, 65535))
    return Entry(
        document=document,
        tokens=tokens,
        aliases=tuple(aliases),
        segments=segments,
        starts=tuple(starts),
        ranks=bytes(ranks),
        texts=tuple(texts),
        title_key=query_key(document.title),
        sort_title=fold(document.title),
        title_end=next((starts[s] for s, rank in enumerate(ranks) if rank > ORIGINAL_TITLE), len(tokens)),
    )


def query_key(text: str) -> tuple[str, ...]:
    """Words less stop words with numerals as digits: "The Godfather Part II" == "godfather part 2"."""
    return tuple(w if w.isdigit() else (alias(w) or w) for w in words(text) if w not in STOP_WORDS)


@dataclass
class Scan:
    entry: Entry
    ranking: Ranking
    matched_segments: dict[int, set[int]] = field(default_factory=dict)  # segment -> query words
    matched_words: set[int] = field(default_factory=set)


def rank(
    entry: Entry,
    terms: tuple[Term, ...],
    lookup: dict[int, list[tuple[int, WordMatch]]],
    *,
    query_key: tuple[str, ...],
    popularity: float,
    upto: int | None = None,
) -> Scan:
    """The title's `Ranking` for the query. Words and typos count the required words (stop
    words only help proximity and exactness); `upto` scans only the positions before it (the
    title, when every word is known to match there as well as it can)."""
    best: list[tuple[float, bool, list[int]] | None] = [None] * len(terms)
    scan = Scan(entry, Ranking(0, 0, False, 0, 0, 0, 0, popularity))
    tokens = entry.tokens if upto is None else entry.tokens[:upto]
    positions = [(p, wid) for p, wid in enumerate(tokens) if wid in lookup]
    positions += [(p, wid) for p, wid in entry.aliases if wid in lookup and (upto is None or p < upto)]
    for position, wid in positions:
        scan.matched_words.add(wid)
        for i, match in lookup[wid]:
            scan.matched_segments.setdefault(entry.segments[position], set()).add(i)
            current = best[i]
            if current is None or match.cost < current[0]:
                best[i] = (match.cost, match.exact, [position])
            elif match.cost == current[0]:
                current[2].append(position)
                if match.exact and not current[1]:
                    best[i] = (match.cost, True, current[2])
    matched = [item for item in best if item is not None]
    required = [
        item for term, item in zip(terms, best, strict=True) if item is not None and not term.optional
    ]
    attribute = position_sum = 0
    for _, _, where in matched:
        attribute += min(entry.ranks[entry.segments[p]] for p in where)
        position_sum += min(min(p - entry.starts[entry.segments[p]], MAX_POSITION) for p in where)
    exactness = 2 * sum(1 for _, exact, _ in matched if exact)
    if query_key and entry.title_key == query_key:
        exactness += TITLE_IS_QUERY
    elif entry.title_key and len(scan.matched_segments.get(0, ())) >= len(entry.title_key):
        exactness += TITLE_COVERED  # every title word matched, typos allowed
    wanted = sum(1 for term in terms if not term.optional)
    scan.ranking = Ranking(
        words=len(required),
        typos=sum(cost for cost, _, _ in required),
        in_title=len(required) == wanted
        and all(any(p < entry.title_end for p in where) for _, _, where in required),
        proximity=_proximity(entry, [where for _, _, where in matched]),
        attribute=attribute,
        position=position_sum,
        exactness=exactness,
        popularity=popularity,
    )
    return scan


def _proximity(entry: Entry, matched: list[list[int]]) -> int:
    total = 0
    for left, right in itertools.pairwise(matched):
        distance = MAX_PROXIMITY
        for a in left:
            for b in right:
                if entry.segments[a] == entry.segments[b]:
                    # Next to each other in the query's order is 0; reversed costs one more.
                    distance = min(distance, b - a - 1 if b > a else a - b)
        total += distance
    return total


def highlights(scan: Scan, matched_words: set[str]) -> dict[str, Any]:
    """Where the query matched, as character ranges of the title (and original title), and the
    names of cast and crew it matched."""
    entry = scan.entry
    found: dict[str, Any] = {}
    for segment, rank_ in enumerate(entry.ranks):
        if rank_ not in (TITLE, ORIGINAL_TITLE):
            continue
        text = entry.texts[segment]
        ranges = [
            [span.start, span.end]
            for span in spans(text)
            if span.word in matched_words or alias(span.word) in matched_words
        ]
        if ranges:
            found["title" if rank_ == TITLE else "original_title"] = {"text": text, "ranges": ranges}
    people = [entry.texts[s] for s in sorted(scan.matched_segments) if entry.ranks[s] == PEOPLE]
    if people:
        found["people"] = people
    return found


def people_of(scans: list[Scan], *, limit: int = 5) -> list[tuple[str, int]]:
    """Cast and crew whose own name holds every query word the title matched, with how many of
    the found titles they are in."""
    counts: Counter[str] = Counter()
    for scan in scans:
        wanted = scan.ranking.words
        for segment, terms in scan.matched_segments.items():
            if scan.entry.ranks[segment] == PEOPLE and len(terms) >= wanted:
                counts[scan.entry.texts[segment]] += 1
    return counts.most_common(limit)
