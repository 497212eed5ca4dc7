"""Bad input fails fast with a reason; good input publishes its events in order, each once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import outbox_table
from tests.fixtures.media import MediaTokens
from tests.integration.media.conftest import MediaHarness, media_settings, start_harness

pytestmark = [pytest.mark.xdist_group("media-transcode")]


async def outbox_events(media: MediaHarness, video_id: str) -> list[Envelope]:
    database = media.app.state.runtime.database
    async with database.session() as session:
        rows = (await session.execute(sa.select(outbox_table.c.payload).order_by(outbox_table.c.seq))).all()
    envelopes = [Envelope.from_bytes(row[0]) for row in rows]
    return [envelope for envelope in envelopes if envelope.subject == video_id]


@pytest.mark.parametrize(
    ("clip", "reason"),
    [
        ("corrupt.mp4", "not a video"),
        ("not_a_video.txt", "not a video"),
    ],
)
async def test_unusable_files_fail_within_seconds_with_a_reason(
    media: MediaHarness, media_clip: Callable[[str], Path], clip: str, reason: str
) -> None:
    started = time.monotonic()
    video_id = await media.upload(media_clip(clip))
    document = await media.wait_for(video_id, "failed", "ready", timeout=15)
    assert time.monotonic() - started < 10
    assert document["status"] == "failed"
    assert reason in document["error"]
    types = [event.type for event in await outbox_events(media, video_id)]
    assert types == ["media.upload.completed.v1", "media.video.failed.v1"]
    failed = (await outbox_events(media, video_id))[-1]
    assert failed.data["permanent"] is True


async def test_a_truncated_source_fails_with_a_reason_instead_of_a_short_ladder(
    media: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    # Issue 20 item 5: the header says 6 s and the probe passes, but only ~2 s can be decoded;
    # before, a 2 s ladder was published and the video reported ready with duration 6.0.
    video_id = await media.upload(media_clip("truncated_faststart.mp4"))
    document = await media.wait_for(video_id, "failed", "ready", timeout=60)
    assert document["status"] == "failed", document
    assert "truncated" in document["error"] and "of its 6.0 s" in document["error"], document["error"]
    events = await outbox_events(media, video_id)
    types = [event.type for event in events]
    assert "media.video.transcoded.v1" not in types  # not even the first rung was announced
    failed = events[-1]
    assert failed.type == "media.video.failed.v1" and failed.data["permanent"] is True
    assert failed.data["reason"] == document["error"]
    store = media.app.state.context.uploads.store
    assert not await store.exists(f"videos/{video_id}/master.m3u8")


@pytest.fixture
async def strict_media(tmp_path: Path, media_tokens: MediaTokens) -> AsyncIterator[MediaHarness]:
    settings = media_settings(max_duration_seconds=2, max_width=400, max_height=400)
    async with start_harness(tmp_path, media_tokens, settings) as harness:
        yield harness


async def test_too_long_or_too_large_sources_fail_with_the_limit_named(
    strict_media: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    video_id = await strict_media.upload(media_clip("small.mp4"))  # 3 s > 2 s
    document = await strict_media.wait_for(video_id, "failed", "ready", timeout=15)
    assert document["status"] == "failed" and "the limit is 2 s" in document["error"]


async def test_a_good_upload_publishes_first_rung_then_ladder_once_each(
    media: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    video_id = await media.upload(media_clip("small.mp4"), title_id="title-42")
    document = await media.wait_for(video_id, "ready", "failed")
    assert document["status"] == "ready", document
    events = await outbox_events(media, video_id)
    types = [event.type for event in events]
    assert types[0] == "media.upload.completed.v1"
    # The claim is announced at once (queued -> processing), before any encoding progress.
    progress = [event.data for event in events if event.type == "media.job.progress.v1"]
    assert progress and (progress[0]["stage"], progress[0]["percent"]) == ("probing", 0.0)
    assert types.index("media.job.progress.v1") < types.index("media.video.transcoded.v1")
    transcoded = [event for event in events if event.type == "media.video.transcoded.v1"]
    assert [event.data["complete"] for event in transcoded] == [False, True]
    first, full = transcoded
    assert len(first.data["renditions"]) == 1 and first.data["title_id"] == "title-42"
    assert full.data["renditions"][0]["playlist_key"] == first.data["renditions"][0]["playlist_key"]
    assert full.data["poster_key"] and full.data["thumbnails_vtt_key"] and full.data["preview_key"]
    assert full.data["duration_seconds"] == pytest.approx(3.0, abs=0.1)
    store = media.app.state.context.uploads.store
    for key in (full.data["hls_master_key"], full.data["dash_manifest_key"], full.data["poster_key"]):
        assert await store.exists(key), key
    # The source is kept (the default) under a deterministic key.
    assert await store.exists(f"videos/{video_id}/source")


async def test_originals_are_dropped_when_not_kept(
    tmp_path: Path, media_tokens: MediaTokens, media_clip: Callable[[str], Path]
) -> None:
    settings = media_settings(keep_originals=False, vmaf=False)
    async with start_harness(tmp_path, media_tokens, settings) as media:
        video_id = await media.upload(media_clip("small.mp4"))
        assert (await media.wait_for(video_id, "ready", "failed"))["status"] == "ready"
        store = media.app.state.context.uploads.store
        assert not await store.exists(f"videos/{video_id}/source")
        assert await store.exists(f"videos/{video_id}/master.m3u8")


async def test_a_store_outage_at_the_last_byte_is_recoverable(
    media: MediaHarness, media_clip: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cinemesh.platform.storage import ObjectStoreError

    store = media.app.state.context.uploads.store
    real_put_file = store.put_file

    async def failing_put_file(*args: object, **kwargs: object) -> None:
        raise ObjectStoreError("S3 is down")

    monkeypatch.setattr(store, "put_file", failing_put_file)
    data = media_clip("small.mp4").read_bytes()
    headers = media.auth()
    location = (await media.create(len(data), headers)).headers["location"]
    octets = {**headers, "Content-Type": "application/offset+octet-stream"}
    failed = await media.client.patch(location, content=data, headers={**octets, "Upload-Offset": "0"})
    assert failed.status_code == 503 and failed.json()["type"].endswith("/storage-unavailable")
    video_id = location.rsplit("/", 1)[-1]
    assert (await media.video(video_id))["status"] == "uploading"

    monkeypatch.setattr(store, "put_file", real_put_file)
    retried = await media.client.patch(
        location, content=b"", headers={**octets, "Upload-Offset": str(len(data))}
    )
    assert retried.status_code == 204, retried.text
    assert (await media.wait_for(video_id, "ready", "failed"))["status"] == "ready"
