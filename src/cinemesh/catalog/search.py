"""Full-text search over the read model: SQLite FTS5 embedded, PostgreSQL tsvector at scale.

The projection writes one `document_search` row per title document (in the same transaction as
the document itself), holding the searchable text already folded here in Python: case folded,
accents stripped, reduced to words separated by single spaces. Folding in one place makes both
engines index the same words and lets a query match "Amélie" from "amelie" without PostgreSQL's
`unaccent` extension (which needs a superuser to install). The engines only index those rows:

- SQLite: an FTS5 external-content table `document_search_fts` kept in step by triggers on
  `document_search` (the pattern of the SQLite manual), with prefix indexes for 2 and 3
  characters, ranked by `bm25` with a weight per column.
- PostgreSQL: a generated `tsvector` column of `document_search` (the `simple` configuration,
  one weight class per column) under a GIN index, ranked by `ts_rank`.

Every term of a query matches as a prefix ("bunn" finds "Big Buck Bunny"), all terms must match.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cinemesh.catalog.store import Base

MAX_QUERY_CHARS = 200
# Each term is a prefix lookup; a bound keeps one request's cost bounded.
MAX_TERMS = 8
# Column order of the index and its weight: a title hit outranks a name, which outranks a plot.
COLUMNS = ("title", "people", "genres", "description", "episodes")
SQLITE_WEIGHTS = (10.0, 4.0, 4.0, 2.0, 1.0)
POSTGRES_CLASSES = ("A", "B", "B", "C", "D")  # ts_rank's defaults weigh A 1.0, B 0.4, C 0.2, D 0.1

_WORD = re.compile(r"[^\W_]+")


class DocumentSearchRow(Base):
    """The searchable text of one title document. PostgreSQL adds the generated `vector` column
    (migration 0003); SQLite indexes these rows in `document_search_fts` through triggers."""

    __tablename__ = "document_search"

    # An INTEGER PRIMARY KEY is SQLite's rowid itself, which the FTS5 index refers to; an
    # implicit rowid could be renumbered by VACUUM behind the index's back.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("title_documents.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(Text)
    people: Mapped[str] = mapped_column(Text)
    genres: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text)
    episodes: Mapped[str] = mapped_column(Text)


def words(text: str) -> list[str]:
    """Case-folded, accent-free words: the only form either engine ever sees."""
    folded = text.casefold()
    if not folded.isascii():  # ASCII has nothing to decompose: most text skips the slow part
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(folded)


def _fold(*texts: str | None) -> str:
    return " ".join(word for text in texts if text for word in words(text))


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


@dataclass(frozen=True)
class Match:
    """What a search adds to a read-model query: the joins, the condition and the score."""

    condition: sa.ColumnElement[bool]
    score: sa.ColumnElement[float]
    fts_join: bool


_FTS = sa.table("document_search_fts", sa.column("rowid"))
_FTS_NAME: sa.ColumnElement[Any] = sa.literal_column("document_search_fts")
_VECTOR: sa.ColumnElement[Any] = sa.literal_column("document_search.vector")


def match(dialect: str, query: SearchQuery) -> Match:
    """The engine's match and score; a higher score is more relevant on both."""
    if dialect == "sqlite":
        weights: list[sa.ColumnElement[Any]] = [sa.literal_column(repr(w)) for w in SQLITE_WEIGHTS]
        # bm25 is lower for better matches; negated so both engines sort descending.
        score: sa.ColumnElement[float] = sa.type_coerce(-sa.func.bm25(_FTS_NAME, *weights), sa.Float)
        return Match(_FTS_NAME.bool_op("MATCH")(sa.literal(query.fts5())), score, fts_join=True)
    tsquery = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.literal(query.tsquery()))
    # ts_rank is a real; as a double it survives the cursor's round trip exactly.
    score = sa.cast(sa.func.ts_rank(_VECTOR, tsquery), sa.Float)
    return Match(_VECTOR.bool_op("@@")(tsquery), score, fts_join=False)


def join_search(query: sa.Select[Any], title_id: Any, found: Match) -> sa.Select[Any]:
    query = query.join(DocumentSearchRow, DocumentSearchRow.title_id == title_id)
    if found.fts_join:
        query = query.join(_FTS, _FTS.c.rowid == DocumentSearchRow.id)
    return query
