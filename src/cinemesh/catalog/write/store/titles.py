"""Queries and bulk writes on the title aggregates of the write model."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cinemesh.catalog.database import Base
from cinemesh.catalog.write.store.tables import (
    CreditRow,
    EpisodeRow,
    GenreRow,
    LanguageRow,
    MediaRow,
    SeasonRow,
    TitleRow,
    WindowRow,
)

_AGGREGATE = (
    selectinload(TitleRow.genres),
    selectinload(TitleRow.languages),
    selectinload(TitleRow.credits),
    selectinload(TitleRow.seasons).selectinload(SeasonRow.episodes),
    selectinload(TitleRow.windows),
    selectinload(TitleRow.media),
)


# Parents before children (foreign keys).
_INSERT_ORDER: tuple[type[Base], ...] = (
    TitleRow,
    GenreRow,
    LanguageRow,
    CreditRow,
    SeasonRow,
    EpisodeRow,
    WindowRow,
    MediaRow,
)
_COLUMNS = {table: [attribute.key for attribute in sa.inspect(table).column_attrs] for table in _INSERT_ORDER}


def _column_values(row: Base) -> dict[str, object]:
    """The columns the object was given, as a flush would insert them: one never set is left out
    (NULL, or the column's default), and a JSON column set to None stays JSON `null`."""
    given = row.__dict__
    return {key: given[key] for key in _COLUMNS[type(row)] if key in given}


def _same_columns(values: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    """Groups rows by the columns they set: one multi-row statement needs the same columns."""
    groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for value in values:
        groups.setdefault(tuple(value), []).append(value)
    return list(groups.values())


class TitleStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, title: TitleRow) -> None:
        self.session.add(title)

    async def insert_new(self, titles: list[TitleRow]) -> None:
        """Inserts new aggregates built in memory (not added to the session) with one statement
        per table: the unit of work's per-object bookkeeping made a bulk import a few hundred
        rows a second. The rows are the ones a flush would write, the version starts at 1."""
        values: dict[type[Base], list[dict[str, object]]] = {table: [] for table in _INSERT_ORDER}
        for title in titles:
            title.version = 1  # where SQLAlchemy's version counter starts
            values[TitleRow].append(_column_values(title))
            children: list[GenreRow | LanguageRow | CreditRow | WindowRow | MediaRow] = [
                *title.genres,
                *title.languages,
                *title.credits,
                *title.windows,
                *title.media,
            ]
            for child in children:
                child.title_id = title.id
                values[type(child)].append(_column_values(child))
            for season in title.seasons:
                season.title_id = title.id
                values[SeasonRow].append(_column_values(season))
                for episode in season.episodes:
                    episode.season_id = season.id
                    values[EpisodeRow].append(_column_values(episode))
        for table in _INSERT_ORDER:
            for rows in _same_columns(values[table]):
                await self.session.execute(Base.metadata.tables[table.__tablename__].insert(), rows)

    async def get(self, title_id: str) -> TitleRow | None:
        result = await self.session.execute(
            sa.select(TitleRow).where(TitleRow.id == title_id).options(*_AGGREGATE)
        )
        return result.scalar_one_or_none()

    async def by_external_ids(self, external_ids: list[str], *, owner: str) -> dict[str, TitleRow]:
        """`owner`'s titles with these external ids (another creator's are not looked at)."""
        found: dict[str, TitleRow] = {}
        for start in range(0, len(external_ids), 500):  # bounded IN lists
            chunk = external_ids[start : start + 500]
            result = await self.session.execute(
                sa.select(TitleRow)
                .where(TitleRow.created_by == owner, TitleRow.external_id.in_(chunk))
                .options(*_AGGREGATE)
            )
            found.update({row.external_id: row for row in result.scalars() if row.external_id})
        return found

    async def title_of_content(self, content_id: str) -> tuple[TitleRow, EpisodeRow | None] | None:
        """The title a media event names: a title id, or an episode id inside a series."""
        title = await self.get(content_id)
        if title is not None:
            return title, None
        title_id = await self.session.scalar(
            sa.select(SeasonRow.title_id)
            .join(EpisodeRow, EpisodeRow.season_id == SeasonRow.id)
            .where(EpisodeRow.id == content_id)
        )
        if title_id is None:
            return None
        title = await self.get(title_id)
        if title is None:  # pragma: no cover - the foreign key keeps them together
            return None
        episode = next((e for s in title.seasons for e in s.episodes if e.id == content_id), None)
        return title, episode

    async def editor_page(
        self,
        *,
        owner: str | None,
        status: str | None,
        text: str | None,
        sort: str,
        after: tuple[str, str] | None,
        limit: int,
    ) -> tuple[list[TitleRow], tuple[str, str] | None]:
        """Titles in any status for the editor listing, keyset-paginated: newest first (ids are
        UUIDv7, so id order is creation order) or by title. `owner` limits it to one creator."""
        # The sort key comes back from the database, so the next bound is what SQL compared.
        key: sa.ColumnElement[str] = (
            sa.func.lower(TitleRow.title) if sort == "title" else TitleRow.id.expression
        )
        query = sa.select(TitleRow, key).options(selectinload(TitleRow.genres))
        if owner is not None:
            query = query.where(TitleRow.created_by == owner)
        if status is not None:
            query = query.where(TitleRow.status == status)
        if text:
            # A substring of the title or external id: editors look for what they typed in,
            # and the write model (read-your-writes) has no search index. lower() folds ASCII
            # only on SQLite, so "é" finds "é" but not "É" there.
            needle = text.lower()
            query = query.where(
                sa.or_(
                    sa.func.lower(TitleRow.title).contains(needle, autoescape=True),
                    sa.func.lower(TitleRow.external_id).contains(needle, autoescape=True),
                )
            )
        if sort == "title":
            if after is not None:
                query = query.where(sa.tuple_(key, TitleRow.id) > sa.tuple_(sa.literal(after[0]), after[1]))
            query = query.order_by(key, TitleRow.id)
        else:
            if after is not None:
                query = query.where(TitleRow.id < after[1])
            query = query.order_by(TitleRow.id.desc())
        rows = (await self.session.execute(query.limit(limit + 1))).all()
        page = [row[0] for row in rows[:limit]]
        if len(rows) <= limit:
            return page, None
        return page, (rows[limit - 1][1], page[-1].id)

    async def expiry_candidates(self, now: dt.datetime, *, limit: int = 500) -> list[str]:
        """Published titles with windows, none of them open now or later: the last one has closed."""
        has_window = sa.exists().where(WindowRow.title_id == TitleRow.id, WindowRow.content_id == TitleRow.id)
        still_open = sa.exists().where(
            WindowRow.title_id == TitleRow.id,
            WindowRow.content_id == TitleRow.id,
            sa.or_(WindowRow.ends_at.is_(None), WindowRow.ends_at > now),
        )
        result = await self.session.scalars(
            sa.select(TitleRow.id)
            .where(TitleRow.status == "published", has_window, ~still_open)
            .order_by(TitleRow.id)
            .limit(limit)
        )
        return list(result)
