"""The same pipeline on S3 (a real moto server): the worker downloads the source, uploads the
ladder, and nothing is read from a local path the store does not have."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from cinemesh.platform.settings import Settings
from tests.fixtures.media import MediaTokens
from tests.integration.media.conftest import media_settings, start_harness

pytestmark = [pytest.mark.xdist_group("media-transcode")]


async def test_a_ladder_is_written_to_s3(
    tmp_path: Path, media_tokens: MediaTokens, media_clip: Callable[[str], Path], s3_endpoint: str
) -> None:
    platform = Settings(
        data_dir=tmp_path,
        object_store="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=f"media-{uuid.uuid4().hex[:12]}",
        s3_access_key_id=SecretStr("testing"),
        s3_secret_access_key=SecretStr("testing"),
    )
    async with start_harness(tmp_path, media_tokens, media_settings(vmaf=False), platform=platform) as media:
        video_id = await media.upload(media_clip("small.mp4"))
        document = await media.wait_for(video_id, "ready", "failed")
        assert document["status"] == "ready", document
        store = media.app.state.context.uploads.store
        assert store.local_path(document["manifests"]["hls"]) is None  # really remote
        keys = [info.key async for info in store.list(f"videos/{video_id}/")]
        assert f"videos/{video_id}/master.m3u8" in keys and f"videos/{video_id}/v180/init.mp4" in keys
        master = (await store.get_bytes(f"videos/{video_id}/master.m3u8")).decode()
        assert "RESOLUTION=320x180" in master
        info = await store.stat(f"videos/{video_id}/master.m3u8")
        assert info.content_type == "application/vnd.apple.mpegurl"
