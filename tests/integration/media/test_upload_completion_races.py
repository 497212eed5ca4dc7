"""An upload's completion racing its expiry: the sweeper (played by the test, at the moment it
chooses) expires the upload while the last byte is being probed and stored. Whichever order the
two take, the expiry's outcome stands and the completion ends quietly."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cinemesh.media.service.expiry import UPLOAD_EXPIRED, expire_upload
from cinemesh.media.service.intake import complete_upload, source_key
from cinemesh.media.store.videos import VideoRow, VideoStore
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import outbox_table
from cinemesh.platform.settings import Settings
from tests.fixtures.media import MediaTokens
from tests.integration.media.conftest import MediaHarness, start_harness
from tests.integration.media.test_upload_expiry_and_spool import fast_expiry, patch


@pytest.fixture
async def media_by_hand(
    tmp_path: Path, media_tokens: MediaTokens, database_shape: Settings
) -> AsyncIterator[MediaHarness]:
    """No background sweep: the test plays the sweeper itself, at the moment it chooses. With the
    module's 0.2 s sweep, the real sweeper sometimes deleted the expired upload's spool file before
    the completion under test read it (FileNotFoundError, about one run in five under load)."""
    async with start_harness(
        tmp_path,
        media_tokens,
        fast_expiry(upload_expiry_seconds=3600.0, upload_sweep_seconds=3600.0),
        platform=database_shape,
    ) as harness:
        yield harness


async def _last_byte_counted(media: MediaHarness, data: bytes) -> VideoRow:
    """An upload whose last byte is on disk and counted, as a PATCH leaves it just before it
    completes the upload."""
    location = (await media.create(len(data), media.auth())).headers["location"]
    video_id = location.rsplit("/", 1)[-1]
    assert (await patch(media, location, 0, data[:-1])).status_code == 204
    service = media.app.state.context.uploads
    with service.spool.path(video_id).open("ab") as handle:
        handle.write(data[-1:])
    async with service.database.transaction() as session:
        videos = VideoStore(session)
        assert await videos.advance_offset(video_id, expected=len(data) - 1, new_offset=len(data))
        row = await videos.get(video_id)
    assert row is not None
    return row


async def _complete_and_assert_it_stayed_expired(media: MediaHarness, row: VideoRow) -> None:
    """The completion runs; the sweeper's outcome stands: nothing is queued or announced, the
    stored source and the spool file are gone."""
    service = media.app.state.context.uploads
    queued: list[str] = []
    await complete_upload(
        row,
        database=service.database,
        store=service.store,
        spool=service.spool,
        settings=service.settings,
        limits=service.limits,
        on_job_queued=lambda: queued.append(row.id),
    )
    document = await media.video(row.id)
    assert document["status"] == "failed" and document["error"] == UPLOAD_EXPIRED
    assert queued == []
    assert not await service.store.exists(source_key(row.id))
    assert not service.spool.path(row.id).exists()
    async with service.database.session() as session:
        payloads = (await session.execute(sa.select(outbox_table.c.payload))).all()
    events = [e for e in map(Envelope.from_bytes, (p[0] for p in payloads)) if e.subject == row.id]
    assert [e.type for e in events] == ["media.video.failed.v1"]  # the sweeper's, and only it


async def test_an_upload_expired_while_its_last_byte_is_processed_stays_expired(
    media_by_hand: MediaHarness, media_clip: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweeper wins a race with the completion (possible when the probe and the copy to the
    store take longer than the expiry): its transition commits before the completion records
    anything, and its file removal comes after the completion's copy."""
    media = media_by_hand
    service = media.app.state.context.uploads
    row = await _last_byte_counted(media, media_clip("small.mp4").read_bytes())
    far = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with monkeypatch.context() as later:
        later.setattr(service.spool, "discard", _removed_later)
        assert await expire_upload(service.database, service.spool, row.id, idle_since=far)
    await _complete_and_assert_it_stayed_expired(media, row)


async def test_a_spool_file_the_sweeper_removes_during_the_copy_leaves_the_upload_expired(
    media_by_hand: MediaHarness, media_clip: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweeper expires the upload and deletes its spool file after the probe, before the
    copy to the store reads it: the completion ends quietly, not on a FileNotFoundError."""
    media = media_by_hand
    service = media.app.state.context.uploads
    row = await _last_byte_counted(media, media_clip("small.mp4").read_bytes())
    copy = service.store.put_file

    async def swept_first(key: str, path: Path, **options: Any) -> None:
        far = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        assert await expire_upload(service.database, service.spool, row.id, idle_since=far)
        await copy(key, path, **options)

    monkeypatch.setattr(service.store, "put_file", swept_first)
    await _complete_and_assert_it_stayed_expired(media, row)


async def _removed_later(upload_id: str) -> None:
    """The sweeper's file removal, not yet run."""
