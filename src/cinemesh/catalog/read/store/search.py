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

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cinemesh.catalog.database import Base
from cinemesh.catalog.read.domain.search import SearchQuery

# Weights per column of `COLUMNS`: a title hit outranks a name, which outranks a plot.
SQLITE_WEIGHTS = (10.0, 4.0, 4.0, 2.0, 1.0)
POSTGRES_CLASSES = ("A", "B", "B", "C", "D")  # ts_rank's defaults weigh A 1.0, B 0.4, C 0.2, D 0.1


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
