"""The read model: one denormalised document per title, plus the narrow index tables browse needs.

Built only from catalog events (`catalog.read-model` consumes `catalog.title`), emptied by
`reset` and rebuilt by `cinemesh events replay catalog.read-model --from 0`. Filters that are
lists in the document (windows, genres, languages) get a row each so they are plain indexed
lookups on SQLite and PostgreSQL alike, instead of JSON scans. The full-text search rows
(`search.py`) are one more such table, so a replay rebuilds the search index too.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog.read.domain.documents import card_of
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


DOCUMENT_COLUMNS = (
    "id",
    "status",
    "content_type",
    "maturity_rating",
    "release_year",
    "sort_title",
    "sort_newest",
    "version",
    "document",
    "card",
)


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
        # The windows as `windows_of` reads them, without a `Window` each: a replay's hot path.
        windows=[
            {
                "title_id": title_id,
                "country": w["country"],
                "starts_at": dt.datetime.fromisoformat(w["starts_at"]),
                "ends_at": dt.datetime.fromisoformat(w["ends_at"]) if w["ends_at"] else None,
                # Documents from before worldwide windows have no such key.
                "except_countries": excepted_column(frozenset(w.get("except_countries") or ())),
            }
            for w in document.get("availability", [])
        ],
        genres=[{"title_id": title_id, "genre": genre} for genre in document["genres"]],
        languages=[{"title_id": title_id, "language": language} for language in languages],
        search=[search_row_of(document)],
    )


# What `insert_rows` writes of each `DocumentRows` attribute: the table and its columns in order.
_WRITES: tuple[tuple[str, type[Any], tuple[str, ...]], ...] = (
    ("document", DocumentRow, tuple(DOCUMENT_COLUMNS)),
    ("windows", DocumentWindowRow, ("title_id", "country", "starts_at", "ends_at", "except_countries")),
    ("genres", DocumentGenreRow, ("title_id", "genre")),
    ("languages", DocumentLanguageRow, ("title_id", "language")),
    ("search", DocumentSearchRow, ("title_id", *COLUMNS)),
)
_JSON_COLUMNS = frozenset({"document", "card"})
_TIME_COLUMNS = frozenset({"sort_newest", "starts_at", "ends_at"})


async def insert_rows(session: AsyncSession, rows: list[DocumentRows]) -> None:
    """Inserts new documents, one executemany per table (also the benchmark's bulk load).

    On the two supported drivers the values go to the driver as they are stored (JSON text by
    orjson, SQLite's datetime text), in one prepared statement run over every row: SQLAlchemy's
    per-row parameter processing and the stdlib JSON encoder were a third of a replay's CPU. Other
    drivers take Core statements on the tables, which store the same values."""
    connection = await session.connection()
    driver = connection.dialect.driver
    for attribute, table, columns in _WRITES:
        values = (
            [row.document for row in rows]
            if attribute == "document"
            else [value for row in rows for value in getattr(row, attribute)]
        )
        if not values:
            continue
        if driver not in ("aiosqlite", "asyncpg"):
            await session.execute(_table(table).insert(), values)
            continue
        await connection.exec_driver_sql(
            _insert_sql(_table(table).name, columns, driver), _driver_rows(values, columns, driver)
        )


def _driver_rows(values: list[dict[str, Any]], columns: tuple[str, ...], driver: str) -> list[Any]:
    """The rows as tuples in `columns` order, each value in the form the driver stores."""
    tuples = map(operator.itemgetter(*columns), values)
    converted = [
        (index, _json_text if column in _JSON_COLUMNS else _sqlite_time)
        for index, column in enumerate(columns)
        if column in _JSON_COLUMNS or (column in _TIME_COLUMNS and driver == "aiosqlite")
    ]
    if not converted:
        return list(tuples)
    rows = []
    for row in tuples:
        stored = list(row)
        for index, convert in converted:
            stored[index] = convert(stored[index])
        rows.append(tuple(stored))
    return rows


def _insert_sql(table: str, columns: tuple[str, ...], driver: str) -> str:
    if driver == "asyncpg":
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    else:
        marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names are ours


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_time(value: dt.datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME text (its bind processor's format, wall time, no offset)."""
    if value is None:
        return None
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 - the exact zero-padded fields
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


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
