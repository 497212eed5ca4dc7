"""The bulk import writes what the unit of work wrote, row for row, and the same events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import sqlalchemy as sa

from cinemesh.catalog.domain.inputs import TitleInput
from cinemesh.catalog.write import publishing as changes
from cinemesh.catalog.write.service.aggregate import new_title
from cinemesh.catalog.write.service.documents import build_document
from cinemesh.catalog.write.service.importer import BATCH_ROWS, Importer
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
from cinemesh.catalog.write.store.titles import TitleStore
from cinemesh.platform.events.outbox import outbox_table
from cinemesh.platform.tokens import Principal
from tests.integration.catalog.conftest import Catalog

OPERATOR = Principal(
    user_id="importer",
    roles=frozenset({"admin"}),
    token_id="t",
    expires_at=dt.datetime.max.replace(tzinfo=dt.UTC),
)


def feed_row(index: int, prefix: str) -> dict[str, Any]:
    """Rows of every shape: movies with cast, crew and windows, series with episodes, trailers."""
    row: dict[str, Any] = {
        "external_id": f"{prefix}-{index}",
        "title": f"Title {index}",
        "type": "tv_series" if index % 3 == 0 else "movie",
        "genres": ["Drama", "Comedy"][: 1 + index % 2],
        "release_year": 1990 + index % 30,
        "maturity_rating": "PG-13" if index % 2 else None,
        "description": None if index % 4 == 0 else f"About {index}",
        "audio_languages": ["en"],
        "subtitle_languages": ["fr", "de"] if index % 2 else [],
        "cast": [{"name": f"Actor {index}", "character": "Lead"}],
        "crew": [{"name": f"Director {index}", "job": "director"}],
    }
    if index % 3 == 0:
        row["seasons"] = [
            {"number": 1, "name": "One", "episodes": [{"number": 1, "name": "Pilot", "runtime_minutes": 42}]},
            {"number": 2, "episodes": [{"number": 1, "name": "Back"}, {"number": 2, "name": "Again"}]},
        ]
    if index % 5 != 0:
        row["availability"] = [
            {"country": "US", "starts_at": "2020-01-01T00:00:00Z"},
            {"country": "GB", "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"},
        ]
    if index % 7 == 0:
        row["trailers"] = [f"trailer-{index}"]
    return row


async def table_rows(catalog: Catalog, title_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored column of one title's aggregate, ids replaced by their role, with a flag per
    column telling SQL NULL (a JSON `null` is not SQL NULL)."""
    ids = {title_id: "<title>"}
    dumped: dict[str, list[tuple[Any, ...]]] = {}
    async with catalog.database.session() as session:
        season_ids = (
            await session.scalars(
                sa.select(SeasonRow.id).where(SeasonRow.title_id == title_id).order_by(SeasonRow.number)
            )
        ).all()
        for position, season_id in enumerate(season_ids):
            ids[season_id] = f"<season {position}>"
        episode_ids = (
            await session.scalars(
                sa.select(EpisodeRow.id)
                .join(SeasonRow, SeasonRow.id == EpisodeRow.season_id)
                .where(SeasonRow.title_id == title_id)
                .order_by(SeasonRow.number, EpisodeRow.number)
            )
        ).all()
        for position, episode_id in enumerate(episode_ids):
            ids[episode_id] = f"<episode {position}>"
        for model, owner in (
            (TitleRow, TitleRow.id),
            (GenreRow, GenreRow.title_id),
            (LanguageRow, LanguageRow.title_id),
            (CreditRow, CreditRow.title_id),
            (SeasonRow, SeasonRow.title_id),
            (EpisodeRow, EpisodeRow.season_id),
            (WindowRow, WindowRow.title_id),
            (MediaRow, MediaRow.title_id),
        ):
            table = model.metadata.tables[model.__tablename__]
            columns = [c for c in table.columns if c.name not in ("external_id", "created_at", "updated_at")]
            if model is WindowRow:
                columns = [c for c in columns if c.name != "id"]  # a sequence number
            where = owner.in_(season_ids) if model is EpisodeRow else owner == title_id
            result = await session.execute(sa.select(*columns, *(c.is_(None) for c in columns)).where(where))
            dumped[table.name] = sorted(
                (tuple(ids.get(v, v) if isinstance(v, str) else v for v in row) for row in result.all()),
                key=repr,
            )
    return dumped


async def unit_of_work_import(catalog: Catalog, data: TitleInput) -> str:
    """The import as it was before batching: the title added to the session and flushed, one
    `record_change` each."""
    now = dt.datetime.now(dt.UTC)
    async with catalog.database.transaction() as session:
        title = new_title(
            content_type=data.type.value, created_by=OPERATOR.user_id, external_id=data.external_id, now=now
        )
        TitleStore(session).add(title)
        Importer._apply(title, data, now)
        await changes.record_change(session, title, changes.created(title))
        return title.id


async def outbox_events(catalog: Catalog) -> list[dict[str, Any]]:
    async with catalog.database.session() as session:
        payloads = (
            await session.scalars(sa.select(outbox_table.c.payload).order_by(outbox_table.c.seq))
        ).all()
    return [orjson.loads(payload) for payload in payloads]


async def test_bulk_import_stores_the_rows_and_events_of_the_unit_of_work(catalog: Catalog) -> None:
    count = BATCH_ROWS + 40  # two batches
    lines = [orjson.dumps(feed_row(index, "bulk")) for index in range(count)]
    report = await Importer(database=catalog.database).run(lines, principal=OPERATOR)
    assert (report.created, report.errors) == (count, [])

    async with catalog.database.session() as session:
        by_external = await TitleStore(session).by_external_ids(
            [f"bulk-{i}" for i in range(count)], owner=OPERATOR.user_id
        )
        documents = {row.external_id: build_document(row) for row in by_external.values()}
    events = await outbox_events(catalog)
    # Title after title, in file order: its created event, then its snapshot.
    order = [(event["type"], event["subject"]) for event in events]
    expected = []
    for index in range(count):
        title_id = documents[f"bulk-{index}"]["id"]
        expected += [("catalog.title.created.v1", title_id), ("catalog.title.updated.v1", title_id)]
    assert order == expected
    snapshots = {
        e["subject"]: e["data"]["document"] for e in events if e["type"] == "catalog.title.updated.v1"
    }
    for document in documents.values():
        assert document["version"] == 1
        assert snapshots[document["id"]] == orjson.loads(orjson.dumps(document))

    # The same rows through the unit of work (as before the batching) store the same columns.
    for index in (0, 1, 2, 5, 7, 21):
        data = TitleInput.model_validate(feed_row(index, "reference"))
        reference_id = await unit_of_work_import(catalog, data)
        bulk_id = documents[f"bulk-{index}"]["id"]
        assert await table_rows(catalog, bulk_id) == await table_rows(catalog, reference_id), index

    # A re-import changes nothing; an edit after the bulk insert passes the optimistic lock.
    before = len(await outbox_events(catalog))
    again = await Importer(database=catalog.database).run(lines, principal=OPERATOR)
    assert (again.created, again.updated, again.unchanged) == (0, 0, count)
    assert len(await outbox_events(catalog)) == before
    edited = await catalog.client.patch(
        f"/api/v1/titles/{documents['bulk-1']['id']}", json={"title": "Edited"}, headers=catalog.admin()
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
