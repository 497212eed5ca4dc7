"""An upload names a catalog title media knows from the catalog's events, and may upload to.

The catalog is not running here: its snapshot events are published on the media service's own
(embedded) bus, and the service's real consumer builds its projection from them. The same
contract end to end, with the catalog writing it, is covered by tests/e2e/media.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.media.store.videos import KnownContentRow, VideoRow
from cinemesh.platform.settings import Settings
from tests.fixtures._problems import assert_problem
from tests.fixtures.media import MediaTokens
from tests.integration.media.conftest import MediaHarness, media_settings, start_harness

WAIT = 0.6  # title_wait_seconds in these tests (3 s by default)


@pytest.fixture(params=["sqlite", "postgresql"])
async def media(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    media_tokens: MediaTokens,
    postgres_url_factory: Callable[[str], str],
) -> AsyncIterator[MediaHarness]:
    platform = Settings(data_dir=tmp_path)
    if request.param == "postgresql":
        platform = Settings(data_dir=tmp_path, database_url=postgres_url_factory("media"))
    settings = media_settings(workers=0, title_wait_seconds=WAIT)
    async with start_harness(tmp_path, media_tokens, settings, platform=platform) as harness:
        yield harness


async def rows(media: MediaHarness, table: type[VideoRow] | type[KnownContentRow]) -> int:
    async with media.app.state.runtime.database.session() as session:
        return int((await session.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


def spooled(media: MediaHarness) -> list[Path]:
    return sorted((media.data_dir / "media" / "uploads").glob("*.part"))


async def test_an_unknown_title_is_refused_naming_title_id_and_nothing_spooled(media: MediaHarness) -> None:
    started = time.monotonic()
    response = await media.create(10, media.auth(), register_title=False, title_id=str(uuid.uuid4()))
    waited = time.monotonic() - started
    body = assert_problem(response, 404, "title-not-found")
    assert body["field"] == "title_id"
    assert [error["field"] for error in body["errors"]] == ["title_id"]
    assert response.headers["tus-resumable"] == "1.0.0"
    # It waited for the title (bounded), then gave up.
    assert WAIT <= waited < WAIT + 2
    assert spooled(media) == [] and await rows(media, VideoRow) == 0


async def test_a_title_whose_event_arrives_while_creating_is_accepted(media: MediaHarness) -> None:
    title_id = str(uuid.uuid4())
    headers = media.auth()
    creating = asyncio.create_task(media.create(10, headers, register_title=False, title_id=title_id))
    await asyncio.sleep(0.15)  # the catalog committed a little after the upload was asked for
    await media.catalog_title(title_id, owner="provider-1")
    response = await creating
    assert response.status_code == 201, response.text


async def test_a_provider_cannot_upload_to_another_providers_title_but_an_admin_can(
    media: MediaHarness,
) -> None:
    title_id = str(uuid.uuid4())
    await media.catalog_title(title_id, owner="alice")
    alice_upload = await media.create(10, media.auth("alice"), title_id=title_id)
    assert alice_upload.status_code == 201, alice_upload.text

    started = time.monotonic()
    refused = await media.create(10, media.auth("bob"), register_title=False, title_id=title_id)
    # The same answer as for a title that does not exist (no probing for other providers' ids).
    body = assert_problem(refused, 404, "title-not-found")
    assert body["field"] == "title_id"
    assert time.monotonic() - started < WAIT  # a known title is answered at once

    admin_headers = media.tokens.headers("admin-1", "admin")
    admin = await media.create(10, admin_headers, register_title=False, title_id=title_id)
    assert admin.status_code == 201, admin.text
    assert len(spooled(media)) == 2 and await rows(media, VideoRow) == 2


async def test_an_episode_of_ones_own_series_may_be_named(media: MediaHarness) -> None:
    series, episode = str(uuid.uuid4()), str(uuid.uuid4())
    await media.catalog_title(series, owner="provider-1", episode_ids=(episode,))
    assert (await media.create(10, media.auth(), register_title=False, title_id=episode)).status_code == 201
    other = await media.create(10, media.auth("bob"), register_title=False, title_id=episode)
    assert_problem(other, 404, "title-not-found")


async def test_an_archived_title_takes_no_upload_and_older_snapshots_do_not_revive_it(
    media: MediaHarness,
) -> None:
    title_id, episode = str(uuid.uuid4()), str(uuid.uuid4())
    await media.catalog_title(title_id, owner="provider-1", episode_ids=(episode,))
    assert (await media.create(10, media.auth(), register_title=False, title_id=title_id)).status_code == 201
    await media.catalog_title(title_id, owner="provider-1", status="archived", version=3)
    await media.catalog_title(title_id, owner="provider-1", status="draft", version=2, episode_ids=(episode,))

    deadline = time.monotonic() + 5
    while True:
        response = await media.create(10, media.auth(), register_title=False, title_id=title_id)
        if response.status_code != 201 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    body = assert_problem(response, 409, "title-archived")
    assert body["field"] == "title_id"
    # The version-3 snapshot had no episodes: the late version-2 one did not bring one back.
    assert_problem(await media.create(10, media.auth(), register_title=False, title_id=episode), 404)


async def projection(media: MediaHarness) -> list[tuple[str, str, str | None, str, int]]:
    async with media.app.state.runtime.database.session() as session:
        found = await session.execute(
            sa.select(
                KnownContentRow.content_id,
                KnownContentRow.title_id,
                KnownContentRow.owner_id,
                KnownContentRow.status,
                KnownContentRow.version,
            ).order_by(KnownContentRow.content_id)
        )
        return [tuple(row) for row in found]


async def settled(
    media: MediaHarness, check: Callable[[list[tuple[str, str, str | None, str, int]]], bool]
) -> None:
    deadline = time.monotonic() + 10
    while not check(await projection(media)):
        assert time.monotonic() < deadline, await projection(media)
        await asyncio.sleep(0.05)


async def test_replaying_the_catalog_group_rebuilds_the_same_projection(media: MediaHarness) -> None:
    series, episode, movie = (str(uuid.uuid4()) for _ in range(3))
    await media.catalog_title(series, owner="alice", episode_ids=(episode,))
    await media.catalog_title(movie, owner="bob")
    await media.catalog_title(movie, owner="bob", status="archived", version=2)
    await settled(media, lambda rows: len(rows) == 3 and ("archived" in {row[3] for row in rows}))
    before = await projection(media)

    # What `cinemesh events replay media.catalog-titles --from 0` does, with the consumer stopped.
    runtime = media.app.state.runtime
    spec = next(s for s in runtime.subscriptions if s.group == "media.catalog-titles")
    consumer = next(c for c in runtime.consumers if c.group == spec.group)
    await consumer.stop()
    await runtime.prepare_replay(spec)
    assert await projection(media) == []
    await runtime.bus.reset_group(spec.group, list(spec.topics), to_offset=0)
    await consumer.start()
    await settled(media, lambda rows: rows == before)
