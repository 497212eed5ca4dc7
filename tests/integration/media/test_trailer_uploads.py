"""An upload marked `kind=trailer` (tus Upload-Metadata) says so on every event media publishes of
it, so the catalog lists it in the title's trailers instead of making it the title's video."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.media.store.videos import VideoRow
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.settings import Settings
from tests.fixtures._problems import assert_problem
from tests.fixtures.media import MediaTokens
from tests.fixtures.migrations import migrations_of, upgrade_to
from tests.integration.media.conftest import MediaHarness, media_settings, start_harness
from tests.integration.media.test_bad_media_and_events import outbox_events

pytestmark = [pytest.mark.xdist_group("media-transcode")]


@pytest.fixture
async def media(tmp_path: Path, media_tokens: MediaTokens) -> AsyncIterator[MediaHarness]:
    # VMAF adds nothing to what is asserted here and is the costliest step on a shared machine.
    async with start_harness(tmp_path, media_tokens, media_settings(vmaf=False)) as harness:
        yield harness


async def stored_kind(media: MediaHarness, video_id: str) -> str:
    async with media.app.state.runtime.database.session() as session:
        kind = await session.scalar(sa.select(VideoRow.kind).where(VideoRow.id == video_id))
    return str(kind)


async def test_a_trailer_upload_is_announced_as_a_trailer_of_the_series_it_names(
    media: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    series, episode = str(uuid.uuid4()), str(uuid.uuid4())
    await media.catalog_title(series, owner="provider-1", episode_ids=(episode,))
    # Named by one of its episodes: a trailer belongs to the title, so it is recorded under the
    # series' id (delivery checks that id before playing it as that title's trailer).
    data = media_clip("small.mp4").read_bytes()
    headers = media.auth()
    created = await media.create(len(data), headers, register_title=False, title_id=episode, kind="trailer")
    assert created.status_code == 201, created.text
    patched = await media.client.patch(
        created.headers["location"],
        content=data,
        headers={**headers, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert patched.status_code == 204, patched.text
    video_id = created.headers["location"].rsplit("/", 1)[-1]
    assert (await media.wait_for(video_id, "ready", "failed"))["status"] == "ready"
    assert await stored_kind(media, video_id) == "trailer"
    events = await outbox_events(media, video_id)
    announced = [e for e in events if e.type in ("media.upload.completed.v1", "media.video.transcoded.v1")]
    assert [e.type for e in announced] == [
        "media.upload.completed.v1",
        "media.video.transcoded.v1",
        "media.video.transcoded.v1",
    ]
    assert {(e.data["kind"], e.data["title_id"]) for e in announced} == {("trailer", series)}


async def test_kind_defaults_to_feature_and_a_failed_trailer_says_it_is_one(
    media: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    feature = await media.upload(media_clip("corrupt.mp4"))
    trailer = await media.upload(media_clip("corrupt.mp4"), kind="TRAILER ")  # case and space forgiven
    for video_id, kind in ((feature, "feature"), (trailer, "trailer")):
        assert (await media.wait_for(video_id, "failed", "ready", timeout=15))["status"] == "failed"
        events = await outbox_events(media, video_id)
        assert [(e.type, e.data["kind"]) for e in events] == [
            ("media.upload.completed.v1", kind),
            ("media.video.failed.v1", kind),
        ]


async def test_an_unknown_kind_is_refused_naming_kind(media: MediaHarness) -> None:
    response = await media.create(10, media.auth(), kind="clip")
    body = assert_problem(response, 400, "tus-bad-metadata")
    assert body["field"] == "kind"
    async with media.app.state.runtime.database.session() as session:
        assert (await session.execute(sa.select(sa.func.count()).select_from(VideoRow))).scalar_one() == 0


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_videos_uploaded_before_kind_existed_are_features(
    engine: str, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> None:
    url = postgres_url_factory("media") if engine == "postgresql" else None
    database = Database.for_service(Settings(data_dir=tmp_path, database_url=url), "media")
    try:
        await upgrade_to(database, service="media", revision="0003")
        async with database.engine.begin() as connection:  # the columns of revision 0003 only
            await connection.execute(
                sa.text(
                    "INSERT INTO videos (id, title_id, owner_id, size_bytes, offset_bytes, status,"
                    " progress, published, created_at, updated_at)"
                    " VALUES ('v1', 't1', 'o1', 1, 1, 'ready', 100, 2, :now, :now)"
                ),
                {"now": dt.datetime.now(dt.UTC)},
            )
        await upgrade_to_head(database, service="media", script_location=migrations_of("media"))
        async with database.session() as session:
            assert await session.scalar(sa.select(VideoRow.kind).where(VideoRow.id == "v1")) == "feature"
    finally:
        await database.dispose()
