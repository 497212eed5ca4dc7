"""The read model is built only from catalog events and rebuilt from zero by a replay, identically."""

from __future__ import annotations

from typing import Any

from cinemesh.catalog.read.events import READ_MODEL_GROUP
from cinemesh.catalog.read.store import documents as read_model
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import TokenIssuer
from tests.integration.catalog.conftest import Catalog, eventually, running_catalog


async def documents(catalog: Catalog) -> list[dict[str, Any]]:
    async with catalog.database.session() as session:
        return await read_model.snapshot(session)


async def search_rows(catalog: Catalog) -> list[tuple[str, ...]]:
    async with catalog.database.session() as session:
        return await read_model.search_snapshot(session)


async def found(catalog: Catalog, q: str) -> list[str]:
    response = await catalog.client.get("/api/v1/titles", params={"q": q}, headers=catalog.auth())
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_replay_from_zero_rebuilds_the_same_documents(
    catalog_settings: Settings, issuer: TokenIssuer
) -> None:
    async with running_catalog(catalog_settings, issuer) as catalog:
        headers = catalog.admin()
        published = await catalog.publish_title(
            {"title": "Kept", "type": "movie", "maturity_rating": "G", "description": "A kestrel."}
        )
        renamed = await catalog.create(
            {"title": "Before", "type": "documentary", "genres": ["nature"]}, headers
        )
        await catalog.client.patch(
            f"/api/v1/titles/{renamed['id']}", json={"title": "After"}, headers=headers
        )
        archived = await catalog.create({"title": "Gone", "type": "special"}, headers)
        await catalog.client.post(f"/api/v1/titles/{archived['id']}/archive", headers=headers)
        await catalog.settled()
        before = await documents(catalog)
        assert [d["title"] for d in sorted(before, key=lambda d: d["title"])] == ["After", "Gone", "Kept"]
        assert {d["id"]: d["status"] for d in before}[published["id"]] == "published"
        index_before = await search_rows(catalog)
        assert [row[0] for row in index_before] == [d["id"] for d in before]
        assert await found(catalog, "kestr") == [published["id"]]

    # What `cinemesh events replay catalog.read-model --from 0` does, on the stopped service.
    async with running_catalog(catalog_settings, issuer) as stopped_then_restarted:
        runtime = stopped_then_restarted.app.state.runtime
        spec = next(s for s in runtime.subscriptions if s.group == READ_MODEL_GROUP)
        for consumer in runtime.consumers:
            if consumer.group == READ_MODEL_GROUP:
                await consumer.stop()
        await runtime.prepare_replay(spec)
        assert await documents(stopped_then_restarted) == []
        assert await search_rows(stopped_then_restarted) == []
        assert await found(stopped_then_restarted, "kestr") == []
        async with build_event_bus(catalog_settings) as bus:
            await bus.reset_group(READ_MODEL_GROUP, list(spec.topics), to_offset=0)
        for consumer in runtime.consumers:
            if consumer.group == READ_MODEL_GROUP:
                await consumer.start()

        async def rebuilt() -> bool:
            return len(await documents(stopped_then_restarted)) == len(before)

        await eventually(rebuilt, what="the replay to rebuild every document")
        await stopped_then_restarted.settled()
        assert await documents(stopped_then_restarted) == before
        # The search index is part of the projection: the replay rebuilt it too.
        assert await search_rows(stopped_then_restarted) == index_before
        assert await found(stopped_then_restarted, "kestr") == [published["id"]]


async def test_a_redelivered_or_older_snapshot_never_overwrites_a_newer_one(catalog: Catalog) -> None:
    title = await catalog.create({"title": "First", "type": "movie"})
    await catalog.client.patch(
        f"/api/v1/titles/{title['id']}", json={"title": "Second"}, headers=catalog.admin()
    )
    await catalog.settled()
    async with catalog.database.transaction() as session:
        applied = await read_model.apply_document(session, title)  # the version-1 snapshot again
    assert applied is False
    async with catalog.database.session() as session:
        stored = await read_model.document(session, title["id"])
    assert stored is not None and stored["title"] == "Second"
