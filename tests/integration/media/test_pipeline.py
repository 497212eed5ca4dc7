"""Upload -> probe -> ladder -> packaged and published, through the media service's own API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.media.conftest import MediaHarness

pytestmark = [pytest.mark.xdist_group("media-transcode")]


async def test_an_upload_becomes_a_ready_ladder(
    media: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    video_id = await media.upload(media_clip("landscape.mp4"))
    document = await media.wait_for(video_id, "ready", "failed")
    assert document["status"] == "ready", document
    assert [r["height"] for r in document["renditions"]] == [240, 360, 480]
    assert document["manifests"]["hls"] == f"videos/{video_id}/master.m3u8"
    assert all(r["vmaf"] is not None for r in document["renditions"])
    print(document)
