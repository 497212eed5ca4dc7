"""The steps of turning one local source file into a packaged ladder, on local disk.

The job runner decides what to run, uploads what these steps write and publishes; these
functions only run ffmpeg and read what it wrote. Layout under `out` (and, the same, under
`videos/{video_id}/` in the object store):

    master.m3u8, manifest.mpd           HLS master and DASH MPD over the same segments
    v{N}/index.m3u8, init.mp4, seg_*.m4s  one CMAF rendition per rung (N = nominal height)
    audio/index.m3u8, init.mp4, seg_*.m4s AAC-LC stereo, one rendition shared by every rung
    thumbs/sprite_NNN.jpg, thumbs/thumbnails.vtt  trick-play sheets and their WebVTT index
    poster.jpg, preview.mp4
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from cinemesh.media.domain import ProbeResult, Rung, output_frame_rate, plan_ladder
from cinemesh.media.settings import MediaSettings
from cinemesh.media.transcode import commands, manifests, quality, thumbnails
from cinemesh.media.transcode.ffmpeg import ProgressCallback, base_argv, run_ffmpeg
from cinemesh.media.transcode.probe import probe_file

VMAF_MAX_SHORT_SIDE = 1080


@dataclass(frozen=True)
class LadderPlan:
    probe: ProbeResult
    rungs: list[Rung]  # lowest first
    options: commands.EncodeOptions

    @property
    def first(self) -> Rung:
        return self.rungs[0]

    @property
    def rest(self) -> list[Rung]:
        return self.rungs[1:]

    @property
    def tracks(self) -> commands.Tracks:
        return commands.Tracks(audio=self.probe.audio_tracks, subtitles=self.probe.subtitle_tracks)

    @property
    def track_keys(self) -> list[str]:
        """The directories of the audio and subtitle tracks (made with the first rung)."""
        tracks = self.tracks
        return [audio.key for audio in tracks.audio] + [text.key for text in tracks.subtitles]


def plan(probe: ProbeResult, settings: MediaSettings) -> LadderPlan:
    options = commands.EncodeOptions(
        frame_rate=output_frame_rate(probe.frame_rate),
        preset=settings.x264_preset,
        gop_seconds=settings.gop_seconds,
        segment_seconds=settings.segment_seconds,
    )
    return LadderPlan(probe=probe, rungs=plan_ladder(probe, settings.ladder_heights), options=options)


def _fresh(*directories: Path) -> None:
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)


async def encode_ladder(
    ladder: LadderPlan,
    *,
    ffmpeg: str,
    source: Path,
    out: Path,
    first_rung_needed: bool,
    early_first_rung: bool,
    on_first_rung: Callable[[], Awaitable[None]],
    on_progress: ProgressCallback,
    rest_niceness: int,
) -> None:
    """The whole ladder, the audio and the extras (sprites, poster candidates, preview).

    With `early_first_rung` off: one pass, one decode, nothing published before the end
    (`on_first_rung` is not called). Otherwise both passes at once: the first rung (+ audio) in
    front, the rest of the ladder behind it.

    The second pass runs at a lower CPU priority (`rest_niceness`), so the first pass finishes
    about as fast as it would alone, and the second soaks up the CPU time the first leaves idle
    (a lone low rung keeps x264's threads short of work) instead of waiting for it to end.
    `on_first_rung` (publish the playable rung) is awaited while the second pass runs on.
    With `first_rung_needed` false (a retry after the first rung was published) only the second
    pass runs.
    """
    if first_rung_needed and not early_first_rung:
        _fresh(
            *(out / rung.key for rung in ladder.rungs),
            *(out / key for key in ladder.track_keys),
            out / "tiles",
            out / "thumbs",
            out / "candidates",
        )
        argv = commands.ladder_pass(
            ffmpeg_argv=base_argv(ffmpeg),
            source=source,
            rungs=ladder.rungs,
            tracks=ladder.tracks,
            extras=commands.Extras(duration_seconds=ladder.probe.duration_seconds),
            out=out,
            options=ladder.options,
        )
        await run_ffmpeg(argv, duration_seconds=ladder.probe.duration_seconds, on_progress=on_progress)
        return
    weights = {"first": _pixels([ladder.first]) if first_rung_needed else 0, "rest": _pixels(ladder.rest)}
    done = {"first": 0.0, "rest": 0.0}

    def progress(part: str) -> ProgressCallback:
        def report(fraction: float) -> None:
            done[part] = fraction
            on_progress(sum(weights[p] * done[p] for p in done) / sum(weights.values()))

        return report

    rest = asyncio.create_task(
        encode_rest(
            ladder,
            ffmpeg=ffmpeg,
            source=source,
            out=out,
            on_progress=progress("rest"),
            niceness=rest_niceness,
        )
    )
    try:
        if first_rung_needed:
            await encode_first_rung(
                ladder, ffmpeg=ffmpeg, source=source, out=out, on_progress=progress("first")
            )
            await on_first_rung()
        await rest
    finally:
        if not rest.done():
            rest.cancel()  # kills its ffmpeg
            with contextlib.suppress(asyncio.CancelledError):
                await rest


def _pixels(rungs: list[Rung]) -> int:
    return sum(rung.width * rung.height for rung in rungs) or 1


async def encode_first_rung(
    ladder: LadderPlan, *, ffmpeg: str, source: Path, out: Path, on_progress: ProgressCallback
) -> None:
    _fresh(out / ladder.first.key, *(out / key for key in ladder.track_keys))
    argv = commands.first_pass(
        ffmpeg_argv=base_argv(ffmpeg),
        source=source,
        rung=ladder.first,
        tracks=ladder.tracks,
        out=out,
        options=ladder.options,
    )
    await run_ffmpeg(argv, duration_seconds=ladder.probe.duration_seconds, on_progress=on_progress)


async def encode_rest(
    ladder: LadderPlan,
    *,
    ffmpeg: str,
    source: Path,
    out: Path,
    on_progress: ProgressCallback,
    niceness: int = 0,
) -> None:
    _fresh(*(out / rung.key for rung in ladder.rest), out / "tiles", out / "thumbs", out / "candidates")
    argv = commands.second_pass(
        ffmpeg_argv=base_argv(ffmpeg),
        source=source,
        rungs=ladder.rest,
        duration_seconds=ladder.probe.duration_seconds,
        out=out,
        options=ladder.options,
    )
    await run_ffmpeg(
        argv, duration_seconds=ladder.probe.duration_seconds, on_progress=on_progress, niceness=niceness
    )


async def finish_extras(ladder: LadderPlan, *, ffmpeg: str, out: Path) -> None:
    """After the ladder: sprite sheets from the pass's tiles, the preview clip from the lowest
    rung, the WebVTT index and the poster pick."""
    await run_ffmpeg(commands.sprite_sheets(ffmpeg_argv=base_argv(ffmpeg), out=out), duration_seconds=0)
    argv = commands.preview(
        ffmpeg_argv=base_argv(ffmpeg),
        rung_playlist=out / ladder.first.key / "index.m3u8",
        duration_seconds=ladder.probe.duration_seconds,
        out=out,
        preset=ladder.options.preset,
    )
    await run_ffmpeg(argv, duration_seconds=0)
    write_thumbnails(ladder, out)


def write_thumbnails(ladder: LadderPlan, out: Path) -> None:
    """Writes thumbs/thumbnails.vtt and poster.jpg from the sheets and the poster candidates."""
    sprites = sorted((out / "thumbs").glob("sprite_*.jpg"))
    vtt = thumbnails.sprite_vtt(sprites, duration_seconds=ladder.probe.duration_seconds)
    (out / "thumbs" / "thumbnails.vtt").write_text(vtt)
    best = thumbnails.best_poster(sorted((out / "candidates").glob("poster_*.jpg")))
    shutil.copyfile(best.path, out / "poster.jpg")


def video_tracks(ladder: LadderPlan, out: Path, rungs: list[Rung]) -> list[manifests.PackagedTrack]:
    return [
        manifests.video_track(
            out, rung.key, width=rung.width, height=rung.height, frame_rate=ladder.options.frame_rate
        )
        for rung in rungs
    ]


def write_manifests(
    ladder: LadderPlan, out: Path, rungs: list[Rung]
) -> tuple[list[manifests.PackagedTrack], list[manifests.PackagedTrack]]:
    """The HLS master and the DASH MPD over `rungs`, every audio track and every subtitle track."""
    videos = video_tracks(ladder, out, rungs)
    audios = [manifests.audio_track(out, track) for track in ladder.tracks.audio]
    subtitles = ladder.tracks.subtitles
    for text in subtitles:
        manifests.subtitle_playlist(out, text, duration_seconds=ladder.probe.duration_seconds)
    (out / "master.m3u8").write_text(manifests.hls_master(videos, audios, subtitles))
    (out / "manifest.mpd").write_text(manifests.dash_mpd(videos, audios, subtitles))
    return videos, audios


@dataclass(frozen=True)
class Packaged:
    ladder: LadderPlan
    videos: list[manifests.PackagedTrack]
    audios: list[manifests.PackagedTrack]


async def package_file(
    source: Path,
    out: Path,
    settings: MediaSettings,
    *,
    on_first_rung: Callable[[LadderPlan], Awaitable[None]] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Packaged:
    """What a job makes of `source`, on local disk only (no store, no events): probe, ladder,
    audio and subtitles, extras, manifests. For tools, benchmarks and tests; VMAF is separate.

    `on_first_rung(ladder)` runs once the lowest rung is playable (its manifests written), as
    the job publishes it; not in one-pass mode.
    """
    probe = await probe_file(source, timeout_seconds=settings.probe_timeout_seconds)
    ladder = plan(probe, settings)

    async def first_rung_done() -> None:
        write_manifests(ladder, out, [ladder.first])
        if on_first_rung is not None:
            await on_first_rung(ladder)

    await encode_ladder(
        ladder,
        ffmpeg=settings.ffmpeg(),
        source=source,
        out=out,
        first_rung_needed=True,
        early_first_rung=settings.early_first_rung,
        on_first_rung=first_rung_done,
        on_progress=on_progress or (lambda _: None),
        rest_niceness=settings.rest_pass_niceness,
    )
    await finish_extras(ladder, ffmpeg=settings.ffmpeg(), out=out)
    videos, audios = write_manifests(ladder, out, ladder.rungs)
    return Packaged(ladder=ladder, videos=videos, audios=audios)


async def measure_quality(
    ladder: LadderPlan, *, ffmpeg: str, source: Path, out: Path, subsample: int, on_progress: ProgressCallback
) -> dict[str, float]:
    """VMAF per rung key, at the largest rung no bigger than 1080p."""
    reference = max(
        (rung for rung in ladder.rungs if rung.name <= VMAF_MAX_SHORT_SIDE),
        key=lambda rung: rung.name,
        default=ladder.first,
    )
    scores = await quality.measure_vmaf(
        ffmpeg_argv=base_argv(ffmpeg),
        source=source,
        rung_playlists=[out / rung.key / "index.m3u8" for rung in ladder.rungs],
        width=reference.width,
        height=reference.height,
        frame_rate=ladder.options.frame_rate,
        subsample=subsample,
        scratch=out,
        duration_seconds=ladder.probe.duration_seconds,
        on_progress=on_progress,
    )
    return {rung.key: score for rung, score in zip(ladder.rungs, scores, strict=True)}
