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

from cinemesh.catalog import browse_query
from cinemesh.catalog.documents import card_of, windows_of
from cinemesh.catalog.domain import WORLDWIDE
from cinemesh.catalog.read_tables import DocumentGenreRow, DocumentLanguageRow, DocumentRow, DocumentWindowRow
from cinemesh.catalog.search import COLUMNS, DocumentSearchRow, SearchQuery, join_search, match, search_row_of
from cinemesh.catalog.store import utc
from cinemesh.contracts.ratings import MaturityRating, ratings_allowed_under

_SIDE_TABLES = (DocumentWindowRow, DocumentGenreRow, DocumentLanguageRow, DocumentSearchRow)


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
        for table in _SIDE_TABLES:
            await session.execute(sa.delete(table).where(table.title_id == title_id))
        await session.execute(sa.delete(DocumentRow).where(DocumentRow.id == title_id))
    # A new title (and every title of a replay) has nothing to clear first.
    await insert_rows(session, [rows])
    return True


async def reset_documents(session: AsyncSession) -> None:
    for table in (*_SIDE_TABLES, DocumentRow):
        await session.execute(sa.delete(table))


# -- queries ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Who is looking: their region, the moment, and the active profile's maturity limit."""

    country: str | None
    at: dt.datetime
    max_rating: MaturityRating | None = None  # None: no profile limit


@dataclass(frozen=True)
class BrowseFilters:
    genre: str | None = None
    content_type: str | None = None
    language: str | None = None
    year: int | None = None


def _conditions(audience: Audience, filters: BrowseFilters | None = None) -> list[sa.ColumnElement[bool]]:
    """What the audience may see, narrowed by the filters. Ordered cheapest first: the columns of
    the row in hand, then the per-title lookups, the least selective (the window) last, so a
    walk along the sort index rejects most rows before any subquery runs."""
    if audience.country is None:
        return [sa.false()]  # without a region no window can be open
    filters = filters or BrowseFilters()
    conditions: list[sa.ColumnElement[bool]] = [DocumentRow.status == "published"]
    if audience.max_rating is not None:
        # An unrated title counts as adult: NULL is never IN the list.
        allowed = [rating.value for rating in ratings_allowed_under(audience.max_rating)]
        conditions.append(DocumentRow.maturity_rating.in_(allowed))
    if filters.content_type is not None:
        conditions.append(DocumentRow.content_type == filters.content_type)
    if filters.year is not None:
        conditions.append(DocumentRow.release_year == filters.year)
    if filters.genre is not None:
        conditions.append(
            sa.exists().where(
                DocumentGenreRow.title_id == DocumentRow.id, DocumentGenreRow.genre == filters.genre
            )
        )
    if filters.language is not None:
        conditions.append(
            sa.exists().where(
                DocumentLanguageRow.title_id == DocumentRow.id,
                DocumentLanguageRow.language == filters.language,
            )
        )
    conditions.append(
        sa.exists().where(
            DocumentWindowRow.title_id == DocumentRow.id,
            sa.or_(
                DocumentWindowRow.country == audience.country,
                sa.and_(
                    DocumentWindowRow.country == WORLDWIDE,
                    sa.not_(
                        DocumentWindowRow.except_countries.contains(f",{audience.country},", autoescape=True)
                    ),
                ),
            ),
            DocumentWindowRow.starts_at <= audience.at,
            sa.or_(DocumentWindowRow.ends_at.is_(None), DocumentWindowRow.ends_at > audience.at),
        )
    )
    return conditions


SORT_COLUMNS: dict[str, tuple[Any, bool]] = {
    # name -> (column, descending)
    "title": (DocumentRow.sort_title, False),
    "newest": (DocumentRow.sort_newest, True),
}


def parse_sort_key(sort: str, key: str) -> Any:
    if sort == "title":
        return key
    if sort == "relevance":
        return float(key)
    return dt.datetime.fromisoformat(key)


def _sort_key(sort: str, value: Any) -> str:
    if sort == "title":
        return str(value)
    if sort == "relevance":
        return repr(float(value))  # repr round-trips a float exactly, so the keyset bound holds
    return utc(value).isoformat()


async def browse(
    session: AsyncSession,
    *,
    audience: Audience,
    filters: BrowseFilters,
    sort: str,
    after: tuple[str, str] | None,
    limit: int,
    text: SearchQuery | None = None,
) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
    """One page of cards in `sort` order after the keyset position `after` = (sort key, id).

    With `text`, only the titles matching it, and `sort="relevance"` orders by the engine's score
    (highest first, ties by id): the same audience conditions apply, a search shows nothing
    browse would not."""
    if audience.country is None:
        return [], None  # without a region no window can be open: nothing to ask the database
    found = match(session.get_bind().dialect.name, text) if text is not None else None
    if sort == "relevance":
        if found is None:
            raise ValueError("relevance needs a text to be relevant to")
        column, descending = found.score, True
    else:
        column, descending = SORT_COLUMNS[sort]
    prepared = None
    if found is None:
        start = (parse_sort_key(sort, after[0]), after[1]) if after is not None else None
        prepared = browse_query.prepared(audience, filters, column, descending, after=start, rows=limit + 1)
    if prepared is not None:
        rows = (await session.execute(*prepared)).all()
    else:
        query = sa.select(DocumentRow.card, column, DocumentRow.id).where(*_conditions(audience, filters))
        if found is not None:
            query = join_search(query, DocumentRow.id, found).where(found.condition)
        if after is not None:
            position = sa.tuple_(column, DocumentRow.id)
            bound = sa.tuple_(sa.literal(parse_sort_key(sort, after[0]), column.type), sa.literal(after[1]))
            query = query.where(position < bound if descending else position > bound)
        order = (column.desc(), DocumentRow.id.desc()) if descending else (column.asc(), DocumentRow.id.asc())
        rows = (await session.execute(query.order_by(*order).limit(limit + 1))).all()
    page = rows[:limit]
    next_after = None
    if len(rows) > limit:
        last = page[-1]
        next_after = (_sort_key(sort, last[1]), last[2])
    return [row[0] for row in page], next_after


async def browse_offset(
    session: AsyncSession, *, audience: Audience, filters: BrowseFilters, sort: str, offset: int, limit: int
) -> list[dict[str, Any]]:
    """OFFSET pagination: only the benchmark's baseline, to show what keyset pagination saves."""
    column, descending = SORT_COLUMNS[sort]
    order = (column.desc(), DocumentRow.id.desc()) if descending else (column.asc(), DocumentRow.id.asc())
    query = (
        sa.select(DocumentRow.card)
        .where(*_conditions(audience, filters))
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def document(session: AsyncSession, title_id: str) -> dict[str, Any] | None:
    result: dict[str, Any] | None = await session.scalar(
        sa.select(DocumentRow.document).where(DocumentRow.id == title_id)
    )
    return result


async def genres(session: AsyncSession, *, audience: Audience) -> list[dict[str, Any]]:
    """Genres with how many titles this audience can see in each."""
    query = (
        sa.select(DocumentGenreRow.genre, sa.func.count())
        .join(DocumentRow, DocumentRow.id == DocumentGenreRow.title_id)
        .where(*_conditions(audience))
        .group_by(DocumentGenreRow.genre)
        .order_by(DocumentGenreRow.genre)
    )
    return [{"genre": genre, "titles": count} for genre, count in (await session.execute(query)).all()]


async def snapshot(session: AsyncSession) -> list[dict[str, Any]]:
    """Every document in id order: what a rebuild must reproduce."""
    return list((await session.scalars(sa.select(DocumentRow.document).order_by(DocumentRow.id))).all())


async def search_snapshot(session: AsyncSession) -> list[tuple[str, ...]]:
    """Every title's searchable text in id order: a rebuild must reproduce the search index too."""
    columns = [getattr(DocumentSearchRow, name) for name in ("title_id", *COLUMNS)]
    rows = await session.execute(sa.select(*columns).order_by(DocumentSearchRow.title_id))
    return [tuple(row) for row in rows.all()]
