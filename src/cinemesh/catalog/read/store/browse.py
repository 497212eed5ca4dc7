"""Browse queries on the read model: pages of cards for an audience, and genres with counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog.database import utc
from cinemesh.catalog.domain.titles import WORLDWIDE
from cinemesh.catalog.read.domain.documents import Audience, BrowseFilters
from cinemesh.catalog.read.domain.search import SearchQuery
from cinemesh.catalog.read.store import browse_query
from cinemesh.catalog.read.store.search import join_search, match
from cinemesh.catalog.read.store.tables import (
    DocumentGenreRow,
    DocumentLanguageRow,
    DocumentRow,
    DocumentWindowRow,
)
from cinemesh.contracts.ratings import ratings_allowed_under


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
