"""The object layout has one owner, and the job reuses the probe the upload stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cinemesh.media import layout
from cinemesh.media.domain.videos import BadMediaError, ProbeResult
from cinemesh.media.service.transcoding import job_probe
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store.videos import VideoRow

PROBE = ProbeResult(
    "mp4",
    12.5,
    1920,
    1080,
    25.0,
    "h264",
    0,
    True,
    "aac",
    audio_streams=(("en", "English"), (None, None)),
    subtitle_streams=(("fr", None, 1),),
)


def test_a_stored_probe_comes_back_equal_through_json() -> None:
    stored = json.loads(json.dumps(PROBE.stored()))
    back = ProbeResult.from_stored(stored)
    assert back == PROBE
    assert back is not None and [t.key for t in back.audio_tracks] == ["audio", "audio_1"]


def test_no_or_foreign_stored_probe_means_probe_again() -> None:
    assert ProbeResult.from_stored(None) is None
    assert ProbeResult.from_stored({}) is None
    assert ProbeResult.from_stored({"container": "mp4"}) is None  # fields missing


async def test_the_job_plans_from_the_stored_probe_without_reading_the_source(tmp_path: Path) -> None:
    video = VideoRow(id="v1", probe=PROBE.stored())
    # The source does not exist: a second probe would fail.
    assert await job_probe(video, tmp_path / "missing", MediaSettings()) == PROBE


async def test_the_job_checks_the_stored_probe_against_todays_limits(tmp_path: Path) -> None:
    video = VideoRow(id="v1", probe=PROBE.stored())
    with pytest.raises(BadMediaError, match="lasts"):
        await job_probe(video, tmp_path / "missing", MediaSettings(max_duration_seconds=10))


def test_keys_of_a_video_all_sit_under_its_prefix() -> None:
    keys = layout.VideoKeys("abc")
    assert keys.prefix == "videos/abc/"
    assert keys.source == "videos/abc/source"
    assert keys.master == "videos/abc/master.m3u8"
    assert keys.dash_manifest == "videos/abc/manifest.mpd"
    assert keys.key(layout.playlist(layout.rung_dir(720))) == "videos/abc/v720/index.m3u8"
    assert keys.key(layout.subtitles(layout.subtitle_dir(0))) == "videos/abc/subs_0/subtitles.vtt"
