"""The read model: one denormalised document per title, plus the narrow index tables browse needs.

Built only from catalog events (`catalog.read-model` consumes `catalog.title`), emptied by
`reset` and rebuilt by `cinemesh events replay catalog.read-model --from 0`. Filters that are
lists in the document (windows, genres, languages) get a row each so they are plain indexed
lookups on SQLite and PostgreSQL alike, instead of JSON scans. The full-text search rows
(`search.py`) are one more such table, so a replay rebuilds the search index too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog.read.domain.documents import card_of, windows_of
from cinemesh.catalog.read.domain.search import COLUMNS, search_row_of
from cinemesh.catalog.read.store.search import DocumentSearchRow
from cinemesh.catalog.read.store.tables import (
    DocumentGenreRow,
    DocumentLanguageRow,
    DocumentRow,
    DocumentWindowRow,
)

SIDE_TABLES = (DocumentWindowRow, DocumentGenreRow, DocumentLanguageRow, DocumentSearchRow)


def _sort_newest(document: dict[str, Any]) -> dt.datetime:
    if document.get("release_date"):
        return dt.datetime.fromisoformat(document["release_date"]).replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(document["created_at"])


def excepted_column(countries: frozenset[str]) -> str:
    """A worldwide window's exceptions as ",FR,DE," (empty for none), so "is FR excepted" is one
    `LIKE '%,FR,%'` on the row in hand on both engines; codes are two letters, nothing to escape."""
    return "," + ",".join(sorted(countries)) + "," if countries else ""


@dataclass(frozen=True)
class DocumentRows:
    """The rows one document becomes: its own, those of the three browse index tables and its
    searchable text."""

    document: dict[str, Any]
    windows: list[dict[str, Any]]
    genres: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    search: list[dict[str, Any]]


def rows_of(document: dict[str, Any]) -> DocumentRows:
    title_id = document["id"]
    languages = sorted(set(document["audio_languages"]) | set(document["subtitle_languages"]))
    return DocumentRows(
        document={
            "id": title_id,
            "status": document["status"],
            "content_type": document["type"],
            "maturity_rating": document["maturity_rating"],
            "release_year": document["release_year"],
            "sort_title": document["title"].casefold(),
            "sort_newest": _sort_newest(document),
            "version": document["version"],
            "document": document,
            "card": card_of(document),
        },
        windows=[
            {
                "title_id": title_id,
                "country": w.country,
                "starts_at": w.starts_at,
                "ends_at": w.ends_at,
                "except_countries": excepted_column(w.except_countries),
            }
            for w in windows_of(document)
        ],
        genres=[{"title_id": title_id, "genre": genre} for genre in document["genres"]],
        languages=[{"title_id": title_id, "language": language} for language in languages],
        search=[search_row_of(document)],
    )


async def insert_rows(session: AsyncSession, rows: list[DocumentRows]) -> None:
    """Inserts new documents, one multi-row statement per table (also the benchmark's bulk load).
    Core statements on the tables: the ORM's bulk insert spent more on bookkeeping than SQL."""
    await session.execute(_table(DocumentRow).insert(), [row.document for row in rows])
    for table, attribute in (
        (DocumentWindowRow, "windows"),
        (DocumentGenreRow, "genres"),
        (DocumentLanguageRow, "languages"),
        (DocumentSearchRow, "search"),
    ):
        values = [value for row in rows for value in getattr(row, attribute)]
        if values:
            await session.execute(_table(table).insert(), values)


def _table(model: type[Any]) -> sa.Table:
    table: sa.Table = model.__table__
    return table


async def apply_document(session: AsyncSession, document: dict[str, Any]) -> bool:
    """Stores a snapshot unless a newer one is already there (redelivery, or a replay's old event)."""
    title_id = document["id"]
    current = await session.scalar(sa.select(DocumentRow.version).where(DocumentRow.id == title_id))
    if current is not None and current >= document["version"]:
        return False
    rows = rows_of(document)
    if current is not None:
        for table in SIDE_TABLES:
            await session.execute(sa.delete(table).where(table.title_id == title_id))
        await session.execute(sa.delete(DocumentRow).where(DocumentRow.id == title_id))
    # A new title (and every title of a replay) has nothing to clear first.
    await insert_rows(session, [rows])
    return True


async def reset_documents(session: AsyncSession) -> None:
    for table in (*SIDE_TABLES, DocumentRow):
        await session.execute(sa.delete(table))


async def document(session: AsyncSession, title_id: str) -> dict[str, Any] | None:
    result: dict[str, Any] | None = await session.scalar(
        sa.select(DocumentRow.document).where(DocumentRow.id == title_id)
    )
    return result


async def snapshot(session: AsyncSession) -> list[dict[str, Any]]:
    """Every document in id order: what a rebuild must reproduce."""
    return list((await session.scalars(sa.select(DocumentRow.document).order_by(DocumentRow.id))).all())


async def search_snapshot(session: AsyncSession) -> list[tuple[str, ...]]:
    """Every title's searchable text in id order: a rebuild must reproduce the search index too."""
    columns = [getattr(DocumentSearchRow, name) for name in ("title_id", *COLUMNS)]
    rows = await session.execute(sa.select(*columns).order_by(DocumentSearchRow.title_id))
    return [tuple(row) for row in rows.all()]
