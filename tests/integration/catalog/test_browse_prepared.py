"""A browse page from the prepared statement (browse_query.py) is the page the general query
builds, for every shape of request: filters, rating limit, sorts, cursors, worldwide windows."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cinemesh.catalog.bootstrap import MIGRATIONS
from cinemesh.catalog.read.domain.documents import Audience, BrowseFilters
from cinemesh.catalog.read.store import browse as read_model
from cinemesh.catalog.read.store import browse_query, documents
from cinemesh.contracts.ratings import MaturityRating
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def document(index: int, rng: random.Random) -> dict[str, Any]:
    created = (NOW - dt.timedelta(days=index)).isoformat()
    worldwide = rng.random() < 0.3
    windows = (
        [{"country": "*", "except_countries": rng.sample(["FR", "DE", "US"], rng.randint(0, 2)),
          "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": None}]
        if worldwide
        else [{"country": country, "starts_at": "2020-01-01T00:00:00+00:00",
               "ends_at": rng.choice([None, "2021-01-01T00:00:00+00:00", "2030-01-01T00:00:00+00:00"])}
              for country in rng.sample(["US", "FR", "DE"], rng.randint(1, 2))]
    )  # fmt: skip
    return {
        "id": f"00000000-0000-7000-8000-{index:012d}",
        "external_id": None,
        "title": f"{rng.choice(['Alpha', 'beta', 'Gamma', 'delta'])} {index}",
        "type": rng.choice(["movie", "documentary", "tv_series"]),
        "status": rng.choice(["published", "published", "published", "draft"]),
        "description": "",
        "maturity_rating": rng.choice(["G", "PG", "PG-13", "R", None]),
        "release_year": rng.choice([1999, 2005, 2020]),
        "release_date": None,
        "runtime_minutes": 90,
        "genres": rng.sample(["drama", "comedy", "action"], rng.randint(1, 2)),
        "audio_languages": ["en"],
        "subtitle_languages": rng.sample(["fr", "de"], 1),
        "cast": [], "crew": [], "images": {}, "trailers": [], "video_id": None,
        "availability": windows, "seasons": [], "created_by": "test",
        "created_at": created, "updated_at": created, "published_at": created, "version": 1,
    }  # fmt: skip


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'catalog.db'}")
    await upgrade_to_head(database, service="catalog", script_location=MIGRATIONS)
    rng = random.Random(11)
    async with database.transaction() as session:
        await documents.insert_rows(session, [documents.rows_of(document(i, rng)) for i in range(120)])
    yield database
    await database.dispose()


async def pages(database: Database, audience: Audience, filters: BrowseFilters, sort: str) -> list[list[str]]:
    """Every page of the listing, 7 at a time, following the cursors."""
    walked: list[list[str]] = []
    after = None
    while True:
        async with database.session() as session:
            cards, after = await read_model.browse(
                session, audience=audience, filters=filters, sort=sort, after=after, limit=7
            )
        walked.append([card["id"] for card in cards])
        if after is None:
            return walked


async def test_prepared_pages_equal_the_general_query(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    shapes = itertools.product(
        ["US", "FR", "DE", "JP"],
        [None, MaturityRating.PG],
        [BrowseFilters(), BrowseFilters(genre="drama"), BrowseFilters(content_type="movie", year=2005),
         BrowseFilters(language="fr")],
        ["newest", "title"],
    )  # fmt: skip
    seen = 0
    for country, limit, filters, sort in shapes:
        audience = Audience(country=country, at=NOW, max_rating=limit)
        assert browse_query.prepared(audience, filters, *read_model.SORT_COLUMNS[sort], after=None, rows=8)
        prepared = await pages(database, audience, filters, sort)
        with monkeypatch.context() as general:
            general.setattr(browse_query, "prepared", lambda *_, **__: None)
            assert prepared == await pages(database, audience, filters, sort), (country, limit, filters, sort)
        seen += sum(len(page) for page in prepared)
    assert seen > 100  # the shapes show titles, not only empty pages


def test_a_region_that_is_not_letters_takes_the_general_query() -> None:
    filters, (column, descending) = BrowseFilters(), read_model.SORT_COLUMNS["newest"]
    for country in (None, "U%", "_S"):
        audience = Audience(country=country, at=NOW)
        assert browse_query.prepared(audience, filters, column, descending, after=None, rows=8) is None
