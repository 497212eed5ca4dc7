"""Search text and queries, folded the same way for the index and for a query: case folded,
accents stripped, reduced to words. No I/O here (the engines' side: `read/store/search.py`)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_QUERY_CHARS = 200
# Each term is a prefix lookup; a bound keeps one request's cost bounded.
MAX_TERMS = 8
# Column order of the index: a title hit outranks a name, which outranks a plot.
COLUMNS = ("title", "people", "genres", "description", "episodes")

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Case-folded, accent-free words: the only form either engine ever sees."""
    folded = text.casefold()
    if not folded.isascii():  # ASCII has nothing to decompose: most text skips the slow part
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(folded)


def _fold(*texts: str | None) -> str:
    # One pass over the texts joined by spaces: the words are those of each text in turn (a
    # space is no letter, and folding and decomposing go character by character), at a fifth
    # of the calls a replay made folding every name and synopsis on its own.
    return " ".join(words(" ".join(text for text in texts if text)))


def search_row_of(document: dict[str, Any]) -> dict[str, Any]:
    people = [c["name"] for c in document["cast"]] + [c["character"] or "" for c in document["cast"]]
    people += [c["name"] for c in document["crew"]]
    episodes: list[str | None] = []
    for season in document["seasons"]:
        episodes.append(season["name"])
        for episode in season["episodes"]:
            episodes += [episode["name"], episode["synopsis"]]
    return {
        "title_id": document["id"],
        "title": _fold(document["title"]),
        "people": _fold(*people),
        "genres": _fold(*document["genres"]),
        "description": _fold(document["description"]),
        "episodes": _fold(*episodes),
    }


class InvalidQueryError(ValueError):
    pass


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidQueryError(f"at most {MAX_QUERY_CHARS} characters")
        terms = tuple(dict.fromkeys(words(text)))  # unique, in the order typed
        if not terms:
            raise InvalidQueryError("it needs at least one letter or digit")
        if len(terms) > MAX_TERMS:
            raise InvalidQueryError(f"at most {MAX_TERMS} words")
        return cls(terms)

    @property
    def fingerprint(self) -> str:
        """Binds a relevance cursor to its query: scores of one query mean nothing in another."""
        return hashlib.sha256(" ".join(self.terms).encode()).hexdigest()[:12]

    def fts5(self) -> str:
        # Terms are letters and digits only, so quoting cannot be escaped from.
        return " ".join(f'"{term}"*' for term in self.terms)

    def tsquery(self) -> str:
        return " & ".join(f"'{term}':*" for term in self.terms)
