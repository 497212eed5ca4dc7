"""The packaged ladder, checked with real clients: PyAV, the m3u8 and mpegdash parsers, and
ffmpeg playing the master playlist over HTTP.

One pipeline run per kind of source (module scope), shared by every assertion about it.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import m3u8
import pytest
from mpegdash.parser import MPEGDASHParser

from cinemesh.media.domain.videos import Rung
from cinemesh.media.settings import MediaSettings
from cinemesh.media.transcode import pipeline
from tests.fixtures.media import ffmpeg_exe, served_directory

pytestmark = [pytest.mark.xdist_group("media-transcode")]


@dataclass
class Packaged:
    name: str
    out: Path
    rungs: list[Rung]
    has_audio: bool
    vmaf: dict[str, float]


async def _package(source: Path, out: Path, *, early_first_rung: bool) -> Packaged:
    settings = MediaSettings(vmaf_subsample=10, early_first_rung=early_first_rung)
    progress: list[float] = []
    first_rung_seen: list[bool] = []

    async def first_rung_done(ladder: pipeline.LadderPlan) -> None:
        # The first rung is complete when this runs, whatever the second pass is doing.
        first_rung_seen.append((out / ladder.first.key / "index.m3u8").is_file())

    packaged = await pipeline.package_file(
        source, out, settings, on_first_rung=first_rung_done, on_progress=progress.append
    )
    # Two passes announce the first rung once, complete; one pass has nothing to announce early.
    assert first_rung_seen == ([True] if early_first_rung else [])
    assert progress and 0.9 <= max(progress) <= 1.0
    ladder = packaged.ladder
    vmaf = await pipeline.measure_quality(
        ladder, ffmpeg=settings.ffmpeg(), source=source, out=out, subsample=10, on_progress=lambda _: None
    )
    return Packaged(source.name, out, ladder.rungs, ladder.probe.has_audio, vmaf)


@pytest.fixture(
    scope="module",
    params=[
        ("landscape.mp4", True),
        ("portrait_rotated.mp4", True),
        ("odd_vfr_noaudio.mp4", True),
        ("landscape.mp4", False),  # one pass, one decode
    ],
    ids=["landscape", "portrait-rotated", "odd-vfr-noaudio", "landscape-one-pass"],
)
def packaged(
    request: pytest.FixtureRequest,
    media_clip: Callable[[str], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Packaged:
    name, early_first_rung = request.param
    out = tmp_path_factory.mktemp(name.replace(".", "-"))
    return asyncio.run(_package(media_clip(name), out, early_first_rung=early_first_rung))


def keyframe_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.time_base is not None
        return [
            round(float(packet.pts * stream.time_base), 3)
            for packet in container.demux(stream)
            if packet.is_keyframe and packet.pts is not None
        ]


def test_ladder_never_upscales_and_respects_orientation(packaged: Packaged) -> None:
    expected = {
        "landscape.mp4": [(428, 240), (640, 360), (854, 480)],
        # 480x270 shown rotated by 90 degrees: a 270x480 portrait video; rungs name the short side.
        "portrait_rotated.mp4": [(240, 426)],
        # 427x241: one rung, even dimensions.
        "odd_vfr_noaudio.mp4": [(426, 240)],
    }[packaged.name]
    assert [(rung.width, rung.height) for rung in packaged.rungs] == expected


def test_every_rendition_is_h264_high_at_its_size_with_aac_lc_audio(packaged: Packaged) -> None:
    for rung in packaged.rungs:
        with av.open(str(packaged.out / rung.key / "index.m3u8")) as container:
            video = container.streams.video[0]
            assert (video.codec_context.width, video.codec_context.height) == (rung.width, rung.height)
            assert video.codec_context.name == "h264"
            assert video.codec_context.profile == "High"
    if packaged.has_audio:
        with av.open(str(packaged.out / "audio" / "index.m3u8")) as container:
            audio = container.streams.audio[0]
            assert audio.codec_context.name == "aac" and audio.codec_context.profile == "LC"
    else:
        assert not (packaged.out / "audio").exists()


def test_keyframes_fall_at_the_same_two_second_marks_in_every_rung(packaged: Packaged) -> None:
    times = {rung.key: keyframe_times(packaged.out / rung.key / "index.m3u8") for rung in packaged.rungs}
    first = next(iter(times.values()))
    assert all(value == first for value in times.values()), times
    gaps = {round(b - a, 2) for a, b in itertools.pairwise(first)}
    assert gaps == {2.0}, first


def test_hls_master_parses_with_every_attribute(packaged: Packaged) -> None:
    master = m3u8.load(str(packaged.out / "master.m3u8"))
    assert master.is_variant
    variants = master.playlists
    assert len(variants) == len(packaged.rungs)
    for variant, rung in zip(variants, packaged.rungs, strict=True):
        info = variant.stream_info
        assert info.resolution == (rung.width, rung.height)
        assert info.bandwidth >= info.average_bandwidth > 0
        assert info.frame_rate and info.frame_rate > 0
        assert info.codecs.startswith("avc1.64")
        assert ("mp4a.40.2" in info.codecs) is packaged.has_audio
        media = m3u8.load(str(packaged.out / variant.uri))
        assert media.is_endlist and media.segment_map and media.segment_map[0].uri == "init.mp4"
        assert all(3.0 <= segment.duration <= 4.5 for segment in media.segments[:-1])
    audio_groups = [media for media in master.media if media.type == "AUDIO"]
    assert len(audio_groups) == (1 if packaged.has_audio else 0)


def test_dash_mpd_parses_and_points_at_the_same_segments(packaged: Packaged) -> None:
    mpd = MPEGDASHParser.parse(str(packaged.out / "manifest.mpd"))
    video_set = mpd.periods[0].adaptation_sets[0]
    representations = video_set.representations
    assert [(r.width, r.height) for r in representations] == [(r.width, r.height) for r in packaged.rungs]
    for representation in representations:
        segment_list = representation.segment_lists[0]
        for url in segment_list.segment_urls:
            assert (packaged.out / url.media).is_file()
        assert (packaged.out / segment_list.initializations[0].source_url).is_file()
    assert len(mpd.periods[0].adaptation_sets) == (2 if packaged.has_audio else 1)


def test_vmaf_is_measured_for_every_rung_and_grows_with_size(packaged: Packaged) -> None:
    scores = [packaged.vmaf[rung.key] for rung in packaged.rungs]
    assert all(0 < score <= 100 for score in scores)
    assert scores == sorted(scores)


def test_thumbnails_poster_and_preview(packaged: Packaged) -> None:
    vtt = (packaged.out / "thumbs" / "thumbnails.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    assert "sprite_000.jpg#xywh=0,0,320," in vtt
    assert (packaged.out / "poster.jpg").read_bytes()[:2] == b"\xff\xd8"
    with av.open(str(packaged.out / "preview.mp4")) as container:
        assert container.duration is not None and container.duration / 1_000_000 <= 6.1
        assert not container.streams.audio


@pytest.fixture(scope="module")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("http-root")
    with served_directory(root) as base:
        yield base, root


def test_ffmpeg_plays_the_master_playlist_over_http(packaged: Packaged, http_root: tuple[str, Path]) -> None:
    base, root = http_root
    (root / packaged.out.name).symlink_to(packaged.out, target_is_directory=True)
    url = f"{base}/{packaged.out.name}/master.m3u8"
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", url, "-map", "0", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_frame_rate_is_constant_after_resampling(packaged: Packaged) -> None:
    with av.open(str(packaged.out / packaged.rungs[0].key / "index.m3u8")) as container:
        stream = container.streams.video[0]
        assert stream.average_rate in (Fraction(25), Fraction(30))
