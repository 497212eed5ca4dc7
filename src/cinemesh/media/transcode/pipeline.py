"""What a job makes of one local source file, on local disk: `package_file`, the one sequence.

The worker's job runner (`media.service.transcoding`) runs it and uploads and publishes at its hooks; the
benchmark (`bench/media_pipeline.py`) and the tests run the same function. These functions only
run ffmpeg and read what it wrote under `out`, laid out as `media.layout` says (the same layout
as under the video's prefix in the object store).
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cinemesh.media import layout
from cinemesh.media.domain.videos import ProbeResult, Rung, check_encoded_duration
from cinemesh.media.settings import MediaSettings
from cinemesh.media.transcode import commands, manifests, quality, thumbnails
from cinemesh.media.transcode.ffmpeg import ProgressCallback, base_argv, run_ffmpeg
from cinemesh.media.transcode.ladder import LadderPlan, encode_ladder, plan
from cinemesh.media.transcode.probe import probe_file

__all__ = ["JobHooks", "LadderPlan", "Packaged", "Report", "measure_quality", "package_file", "plan"]

VMAF_MAX_SHORT_SIDE = 1080
Report = Callable[[str, float], None]  # (stage, percent of the whole job)


async def finish_extras(ladder: LadderPlan, *, ffmpeg: str, out: Path) -> None:
    """After the ladder: sprite sheets from the pass's tiles, the preview clip from the lowest
    rung, the WebVTT index and the poster pick."""
    await run_ffmpeg(commands.sprite_sheets(ffmpeg_argv=base_argv(ffmpeg), out=out), duration_seconds=0)
    argv = commands.preview(
        ffmpeg_argv=base_argv(ffmpeg),
        rung_playlist=out / layout.playlist(ladder.first.key),
        duration_seconds=ladder.probe.duration_seconds,
        out=out,
        preset=ladder.options.preset,
    )
    await run_ffmpeg(argv, duration_seconds=0)
    write_thumbnails(ladder, out)


def write_thumbnails(ladder: LadderPlan, out: Path) -> None:
    """Writes the WebVTT thumbnail index and the poster from the sheets and the candidates."""
    sprites = sorted((out / layout.THUMBS).glob(layout.SPRITE_GLOB))
    vtt = thumbnails.sprite_vtt(sprites, duration_seconds=ladder.probe.duration_seconds)
    (out / layout.THUMBNAILS_VTT).write_text(vtt)
    best = thumbnails.best_poster(sorted((out / layout.CANDIDATES).glob(layout.CANDIDATE_GLOB)))
    shutil.copyfile(best.path, out / layout.POSTER)


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
    (out / layout.MASTER).write_text(manifests.hls_master(videos, audios, subtitles))
    (out / layout.DASH_MANIFEST).write_text(manifests.dash_mpd(videos, audios, subtitles))
    return videos, audios


@dataclass(frozen=True)
class Packaged:
    ladder: LadderPlan
    videos: list[manifests.PackagedTrack]
    audios: list[manifests.PackagedTrack]
    vmaf: dict[str, float] = field(default_factory=dict)  # per rung key, when measured


def _no_report(stage: str, percent: float) -> None:
    pass


@dataclass(frozen=True)
class JobHooks:
    """What the worker's job adds to `package_file` (tools and benchmarks leave it out).

    `probe`: the one the upload stored (same bytes), so the source is not probed again.
    `publish_first_rung(packaged)`: the lowest rung (+ tracks) is playable and checked, its
    manifests written; the job uploads and announces it while the rest encodes.
    `fetch_first_rung(ladder)`: an earlier attempt published the first rung; this puts its files
    back under `out` and only the rest is encoded.
    `report(stage, percent)`: the job's progress, all stages (transcoding, thumbnails, quality,
    packaging) on one 0-100 scale.
    """

    probe: ProbeResult | None = None
    vmaf: bool = False
    publish_first_rung: Callable[[Packaged], Awaitable[None]] | None = None
    fetch_first_rung: Callable[[LadderPlan], Awaitable[None]] | None = None
    report: Report = _no_report


async def package_file(
    source: Path,
    out: Path,
    settings: MediaSettings,
    *,
    on_first_rung: Callable[[LadderPlan], Awaitable[None]] | None = None,
    on_progress: ProgressCallback | None = None,
    job: JobHooks | None = None,
) -> Packaged:
    """What a job makes of `source` under `out`: ladder, audio and subtitles, extras, VMAF (with
    `job.vmaf`; tools measure it apart) and manifests. No store, no events: the job does those at
    its `job` hooks. The worker runs this; so do the benchmark and the tests.

    `on_first_rung(ladder)` runs once the lowest rung is playable (its manifests written), not in
    one-pass mode (`early_first_rung` off); `on_progress` gets the encoding's fraction done.
    A rung shorter than the probe said (a truncated source) raises BadMediaError before anything
    of it is announced.
    """
    job = job or JobHooks()
    probe = job.probe or await probe_file(source, timeout_seconds=settings.probe_timeout_seconds)
    ladder = plan(probe, settings)
    if job.fetch_first_rung is not None:
        await job.fetch_first_rung(ladder)

    async def first_rung_done() -> None:
        packaged = _with_manifests(ladder, out, [ladder.first])
        if on_first_rung is not None:
            await on_first_rung(ladder)
        if job.publish_first_rung is not None:
            await job.publish_first_rung(packaged)

    def encoded(done: float) -> None:
        if on_progress is not None:
            on_progress(done)
        job.report("transcoding", 2 + 78 * done)

    await encode_ladder(
        ladder,
        ffmpeg=settings.ffmpeg(),
        source=source,
        out=out,
        first_rung_needed=job.fetch_first_rung is None,
        early_first_rung=settings.early_first_rung,
        on_first_rung=first_rung_done,
        on_progress=encoded,
        rest_niceness=settings.rest_pass_niceness,
    )
    job.report("thumbnails", 80.0)
    await finish_extras(ladder, ffmpeg=settings.ffmpeg(), out=out)
    scores: dict[str, float] = {}
    if job.vmaf:
        scores = await measure_quality(
            ladder,
            ffmpeg=settings.ffmpeg(),
            source=source,
            out=out,
            subsample=settings.vmaf_subsample,
            on_progress=lambda done: job.report("quality", 82 + 15 * done),
        )
    job.report("packaging", 97.0)
    return replace(_with_manifests(ladder, out, ladder.rungs), vmaf=scores)


def _with_manifests(ladder: LadderPlan, out: Path, rungs: list[Rung]) -> Packaged:
    videos, audios = write_manifests(ladder, out, rungs)
    for track in videos:  # every rung must last as long as the probe said (permanent otherwise)
        check_encoded_duration(ladder.probe.duration_seconds, track.duration)
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
        rung_playlists=[out / layout.playlist(rung.key) for rung in ladder.rungs],
        width=reference.width,
        height=reference.height,
        frame_rate=ladder.options.frame_rate,
        subsample=subsample,
        scratch=out,
        duration_seconds=ladder.probe.duration_seconds,
        on_progress=on_progress,
    )
    return {rung.key: score for rung, score in zip(ladder.rungs, scores, strict=True)}
