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
    assert document["kind"] == "feature"
    assert document["audio_tracks"] == [{"language": "und", "name": "Main"}]
    assert document["subtitle_tracks"] == []


async def test_a_video_lists_its_audio_languages_and_subtitles(
    media: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    video_id = await media.upload(media_clip("multilang.mp4"))
    document = await media.wait_for(video_id, "ready", "failed")
    assert document["status"] == "ready", document
    assert document["audio_tracks"] == [
        {"language": "en", "name": "English"},
        {"language": "fr", "name": "French"},
    ]
    assert [(t["language"], t["vtt"]) for t in document["subtitle_tracks"]] == [
        ("en", f"videos/{video_id}/subs_0/subtitles.vtt"),
        ("fr", f"videos/{video_id}/subs_1/subtitles.vtt"),
    ]
