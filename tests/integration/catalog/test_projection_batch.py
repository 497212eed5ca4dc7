"""The read model's batch fold (a consumer batch at once) stores what folding the same snapshots
one by one stores, whatever their order, repeats and batch boundaries."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from cinemesh.catalog.read.store import documents as read_model
from cinemesh.catalog.read.store.projection import apply_documents
from cinemesh.catalog.read.store.search import DocumentSearchRow
from cinemesh.catalog.read.store.tables import (
    DocumentGenreRow,
    DocumentLanguageRow,
    DocumentRow,
    DocumentWindowRow,
)
from cinemesh.platform.events.outbox import outbox_table
from tests.integration.catalog.conftest import Catalog


async def snapshots(catalog: Catalog) -> list[dict[str, Any]]:
    """Every document the write model published, oldest first."""
    async with catalog.database.session() as session:
        payloads = (
            await session.scalars(sa.select(outbox_table.c.payload).order_by(outbox_table.c.seq))
        ).all()
    events = [orjson.loads(payload) for payload in payloads]
    return [e["data"]["document"] for e in events if e["type"] == "catalog.title.updated.v1"]


async def stored(catalog: Catalog) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table, row ids (sequence numbers) left out."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with catalog.database.session() as session:
        for model in (
            DocumentRow,
            DocumentWindowRow,
            DocumentGenreRow,
            DocumentLanguageRow,
            DocumentSearchRow,
        ):
            table = model.metadata.tables[model.__tablename__]
            columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
            columns = [c for c in columns if c.name != "search_vector"]  # generated from the others
            rows = (await session.execute(sa.select(*columns))).all()
            tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


async def test_the_batch_fold_stores_what_the_one_by_one_fold_stores(catalog: Catalog) -> None:
    headers = catalog.admin()
    first = await catalog.create({"title": "First", "type": "movie", "genres": ["drama"]}, headers)
    second = await catalog.create(
        {"title": "Second", "type": "documentary", "audio_languages": ["fr"]}, headers
    )
    for title in ("First again", "First, third cut"):
        response = await catalog.client.patch(
            f"/api/v1/titles/{first['id']}",
            json={"title": title, "genres": ["comedy", title[:5]]},
            headers=headers,
        )
        assert response.status_code == 200
    response = await catalog.client.put(
        f"/api/v1/titles/{second['id']}/availability",
        json=[{"country": "GB", "starts_at": "2020-01-01T00:00:00Z"}],
        headers=headers,
    )
    assert response.status_code == 200
    await catalog.settled()
    published = await snapshots(catalog)
    versions = {(d["id"], d["version"]): d for d in published}
    # Out of order, redelivered, an old version after the newest: as a replay or a retry brings them.
    stream = [
        versions[(first["id"], 1)],
        versions[(first["id"], 2)],
        versions[(second["id"], 1)],
        versions[(first["id"], 3)],
        versions[(first["id"], 2)],
        versions[(second["id"], 2)],
        versions[(second["id"], 1)],
        versions[(first["id"], 1)],
    ]

    async def fold(batches: list[list[dict[str, Any]]] | None) -> dict[str, list[tuple[Any, ...]]]:
        async with catalog.database.transaction() as session:
            await read_model.reset_documents(session)
        for batch in batches or [[document] for document in stream]:
            async with catalog.database.transaction() as session:
                if batches is None:
                    await read_model.apply_document(session, batch[0])
                else:
                    await apply_documents(session, batch)
        return await stored(catalog)

    one_by_one = await fold(None)
    assert {row[0]: row for row in one_by_one["title_documents"]}.keys() == {first["id"], second["id"]}
    assert await fold([stream]) == one_by_one
    assert await fold([stream[:3], stream[3:5], stream[5:]]) == one_by_one
    assert await fold([stream[:4], stream[4:]]) == one_by_one
    # And on top of a stored newer version, an older batch changes nothing.
    assert await fold([stream, stream[:2]]) == one_by_one
