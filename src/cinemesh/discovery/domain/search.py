"""A search as asked and as answered: the parsed query, the filters, hits with their ranking
steps, facets. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cinemesh.discovery.domain.documents import Audience, SearchDocument
from cinemesh.discovery.domain.text import STOP_WORDS, words
from cinemesh.platform.errors import RuleViolation

MAX_QUERY_CHARS = 200
MAX_TERMS = 10
# Facet -> the filter that narrows it (years are counted by decade, filtered by range).
FACETS = {
    "type": "type",
    "genre": "genre",
    "decade": "year",
    "rating": "rating",
    "audio": "audio",
    "subtitles": "subtitles",
}


class InvalidQueryError(RuleViolation):
    code = "invalid-query"


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool  # the last word while typing: matches as a prefix too
    optional: bool  # a stop word: ranks when present, never required


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]

    @classmethod
    def parse(cls, text: str, *, field: str = "q") -> Query:
        if "\x00" in text:
            raise InvalidQueryError("The query holds a NUL character.", field=field)
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidQueryError(f"The query is longer than {MAX_QUERY_CHARS} characters.", field=field)
        found = words(text)[:MAX_TERMS]
        if not found:
            raise InvalidQueryError("The query has no letters or digits to search for.", field=field)
        typing = not text[-1:].isspace()
        everything_stop = all(word in STOP_WORDS for word in found)
        terms = tuple(
            Term(
                word=word,
                prefix=typing and position == len(found) - 1,
                optional=word in STOP_WORDS and not everything_stop,
            )
            for position, word in enumerate(found)
        )
        return cls(text=text, terms=terms)

    @property
    def fingerprint(self) -> str:
        return " ".join(("^" if term.prefix else "") + term.word for term in self.terms)


@dataclass(frozen=True)
class Filters:
    content_type: str | None = None
    genre: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    rating: str | None = None
    audio: str | None = None
    subtitles: str | None = None


def facet_values(document: SearchDocument) -> dict[str, tuple[str, ...]]:
    return {
        "type": (document.content_type,),
        "genre": document.genres,
        "year": (str(document.release_year),) if document.release_year else (),
        "rating": (document.maturity_rating,) if document.maturity_rating else (),
        "audio": document.audio,
        "subtitles": document.subtitles,
    }


@dataclass(frozen=True)
class SearchRequest:
    query: Query
    audience: Audience
    filters: Filters = Filters()
    offset: int = 0
    limit: int = 20
    facets: bool = True


@dataclass(frozen=True)
class Ranking:
    """One hit's place, step by step (Meilisearch's ranking rules, in this order)."""

    words: int  # query words matched (more first)
    typos: float  # typos summed; a typo on a word's first letter counts half again
    in_title: bool  # every word matched (as well as it matched at all) in the title
    proximity: int  # distance between consecutive query words (less first)
    attribute: int  # sum of the matched attributes' ranks: title 0 ... description 5
    position: int  # how far into their attributes the words are (less first)
    exactness: int  # 2 per word matched as typed; +10 when the title is the query, +5 when it is all matched
    popularity: float  # decayed views

    def key(self) -> tuple[float, ...]:
        return (
            -self.words,
            self.typos,
            not self.in_title,
            self.proximity,
            self.attribute,
            -self.exactness,
            self.position,
            -self.popularity,
        )

    def explain(self) -> dict[str, float | bool]:
        return {
            "words": self.words,
            "typos": self.typos,
            "in_title": self.in_title,
            "proximity": self.proximity,
            "attribute": self.attribute,
            "exactness": self.exactness,
            "position": self.position,
            "popularity": round(self.popularity, 4),
        }


@dataclass(frozen=True)
class Hit:
    document: SearchDocument
    ranking: Ranking
    highlights: dict[str, Any]


@dataclass(frozen=True)
class Person:
    name: str
    titles: int


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    did_you_mean: str | None = None
