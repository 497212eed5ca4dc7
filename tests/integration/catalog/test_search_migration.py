"""Revision 0003 indexes the documents a catalog projected before search existed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cinemesh.catalog.read.domain.documents import Audience, BrowseFilters
from cinemesh.catalog.read.domain.search import SearchQuery
from cinemesh.catalog.read.store import browse, documents
from cinemesh.catalog.read.store import tables as read_tables
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.settings import Settings
from tests.fixtures.migrations import migrations_of, upgrade_to


async def test_upgrade_backfills_the_search_index(catalog_settings: Settings) -> None:
    database = Database.for_service(catalog_settings, "catalog")
    try:
        await upgrade_to(database, service="catalog", revision="0002")
        document = {
            "id": "01900000-0000-7000-8000-000000000001",
            "title": "Backfilled Heron",
            "type": "movie",
            "status": "published",
            "description": "Waits at the water's edge.",
            "maturity_rating": "G",
            "release_year": 2020,
            "release_date": None,
            "genres": ["nature"],
            "audio_languages": [],
            "subtitle_languages": [],
            "cast": [],
            "crew": [],
            "seasons": [],
            "images": {},
            "availability": [{"country": "US", "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": None}],
            "created_at": "2020-01-01T00:00:00+00:00",
            "version": 3,
        }
        rows = documents.rows_of(document)
        async with database.transaction() as session:
            await session.execute(sa.insert(read_tables.DocumentRow), [rows.document])
            # Revision 0002's columns (except_countries came with 0004).
            columns = ("title_id", "country", "starts_at", "ends_at")
            windows = [{name: w[name] for name in columns} for w in rows.windows]
            table = sa.Table(
                "document_windows",
                sa.MetaData(),
                sa.Column("title_id", sa.String(36)),
                sa.Column("country", sa.String(2)),
                sa.Column("starts_at", sa.DateTime(timezone=True)),
                sa.Column("ends_at", sa.DateTime(timezone=True)),
            )
            await session.execute(sa.insert(table), windows)

        await upgrade_to_head(database, service="catalog", script_location=migrations_of("catalog"))

        audience = Audience(country="US", at=dt.datetime.now(dt.UTC))
        async with database.session() as session:
            for q in ("heron", "backf", "water edge", "nature"):
                found, _ = await browse.browse(
                    session,
                    audience=audience,
                    filters=BrowseFilters(),
                    sort="relevance",
                    after=None,
                    limit=10,
                    text=SearchQuery.parse(q),
                )
                assert [card["id"] for card in found] == [document["id"]], q
    finally:
        await database.dispose()
