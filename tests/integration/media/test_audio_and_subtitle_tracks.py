"""Every audio language and every text subtitle track of the source reaches the manifests.

The clip (tests/fixtures/media.py `multilang.mp4`) has an English track at 440 Hz and a French
one at 880 Hz, and English and French mov_text subtitles. The checks read what was made with
real clients: PyAV decodes each audio rendition (and its pitch says which source stream it came
from), the m3u8 and mpegdash parsers read the manifests, ffmpeg plays the master over HTTP.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import m3u8
import numpy as np
import pytest
from mpegdash.parser import MPEGDASHParser

from cinemesh.media.settings import MediaSettings
from cinemesh.media.transcode import pipeline
from tests.fixtures.media import SUBTITLE_CUES, ffmpeg_exe, served_directory

pytestmark = [pytest.mark.xdist_group("media-transcode")]


async def _package(source: Path, out: Path) -> None:
    first_rung_files: list[str] = []

    async def first_rung_done(_: pipeline.LadderPlan) -> None:
        # Audio and subtitles belong to the playable first publication, not the later one.
        first_rung_files.extend(sorted(p.name for p in (out / "subs_1").iterdir()))

    await pipeline.package_file(source, out, MediaSettings(vmaf=False), on_first_rung=first_rung_done)
    assert "subtitles.vtt" in first_rung_files


@pytest.fixture(scope="module")
def packaged(media_clip: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("multilang")
    asyncio.run(_package(media_clip("multilang.mp4"), out))
    return out


def dominant_frequency(playlist: Path) -> float:
    with av.open(str(playlist)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac" and stream.codec_context.profile == "LC"
        samples = np.concatenate([frame.to_ndarray()[0] for frame in container.decode(stream)])
        rate = stream.codec_context.sample_rate
    spectrum = np.abs(np.fft.rfft(samples[:rate]))
    return float(np.fft.rfftfreq(rate, 1 / rate)[int(np.argmax(spectrum))])


def test_hls_master_lists_each_language_and_subtitle_track(packaged: Path) -> None:
    master = m3u8.load(str(packaged / "master.m3u8"))
    audio = [m for m in master.media if m.type == "AUDIO"]
    subtitles = [m for m in master.media if m.type == "SUBTITLES"]
    assert [(m.language, m.name, m.default) for m in audio] == [
        ("en", "English", "YES"),
        ("fr", "French", "NO"),
    ]
    assert [(m.language, m.name) for m in subtitles] == [("en", "English"), ("fr", "French")]
    assert all(m.group_id == "audio" for m in audio) and all(m.group_id == "subs" for m in subtitles)
    for variant in master.playlists:
        assert variant.stream_info.audio == "audio" and variant.stream_info.subtitles == "subs"


def test_each_audio_rendition_comes_from_its_own_source_stream(packaged: Path) -> None:
    # English was made at 440 Hz and French at 880 Hz: a swapped or duplicated map shows here.
    assert dominant_frequency(packaged / "audio" / "index.m3u8") == pytest.approx(440, abs=5)
    assert dominant_frequency(packaged / "audio_1" / "index.m3u8") == pytest.approx(880, abs=5)


def test_subtitles_are_webvtt_with_the_source_cues_and_times(packaged: Path) -> None:
    for index, (language, cues) in enumerate(SUBTITLE_CUES.items()):
        vtt = (packaged / f"subs_{index}" / "subtitles.vtt").read_text()
        assert vtt.startswith("WEBVTT"), language
        assert "00:00.200 --> 00:01.800" in vtt and cues[0] in vtt
        assert "00:02.000 --> 00:03.800" in vtt and cues[1] in vtt
        playlist = m3u8.load(str(packaged / f"subs_{index}" / "index.m3u8"))
        assert playlist.is_endlist and [s.uri for s in playlist.segments] == ["subtitles.vtt"]


def test_dash_has_an_adaptation_set_per_language_and_per_subtitle_track(packaged: Path) -> None:
    mpd = MPEGDASHParser.parse(str(packaged / "manifest.mpd"))
    sets = mpd.periods[0].adaptation_sets
    assert [(s.content_type, s.lang) for s in sets] == [
        ("video", None),
        ("audio", "en"),
        ("audio", "fr"),
        ("text", "en"),
        ("text", "fr"),
    ]
    for text in sets[3:]:
        assert text.mime_type == "text/vtt"
        url = text.representations[0].segment_lists[0].segment_urls[0].media
        assert (packaged / url).read_text().startswith("WEBVTT")


@pytest.fixture
def served(packaged: Path) -> Iterator[str]:
    with served_directory(packaged) as base:
        yield base


def test_ffmpeg_reads_every_track_of_the_master_over_http(served: str) -> None:
    result = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-i",
            f"{served}/master.m3u8",
            "-map",
            "0",
            "-c",
            "copy",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # Both languages are offered to the client as streams of the presentation.
    assert "(en)" in result.stderr and "(fr)" in result.stderr, result.stderr[-3000:]
