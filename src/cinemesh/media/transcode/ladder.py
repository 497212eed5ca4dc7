"""The ladder of one source and the ffmpeg passes that encode it into `out` (`media.layout`).

Two ways: one pass (one decode) for the whole ladder and its extras, or two passes side by side,
the lowest rung (+ audio and subtitles) in front so it can be published while the rest runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from cinemesh.media import layout
from cinemesh.media.domain.videos import ProbeResult, Rung, output_frame_rate, plan_ladder
from cinemesh.media.settings import MediaSettings
from cinemesh.media.transcode import commands
from cinemesh.media.transcode.ffmpeg import ProgressCallback, base_argv, run_ffmpeg

# Written by the pass that makes the extras (sprites' tiles, poster candidates).
EXTRAS_DIRECTORIES = (layout.TILES, layout.THUMBS, layout.CANDIDATES)


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
        await encode_one_pass(ladder, ffmpeg=ffmpeg, source=source, out=out, on_progress=on_progress)
        return
    progress = _PassesProgress(
        {"first": _pixels([ladder.first]) if first_rung_needed else 0, "rest": _pixels(ladder.rest)},
        on_progress,
    )
    rest = asyncio.create_task(
        encode_rest(
            ladder,
            ffmpeg=ffmpeg,
            source=source,
            out=out,
            on_progress=progress.of("rest"),
            niceness=rest_niceness,
        )
    )
    try:
        if first_rung_needed:
            await encode_first_rung(
                ladder, ffmpeg=ffmpeg, source=source, out=out, on_progress=progress.of("first")
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


class _PassesProgress:
    """One fraction done over passes run side by side, each weighted by the pixels it encodes."""

    def __init__(self, weights: dict[str, int], on_progress: ProgressCallback) -> None:
        self.weights = weights
        self.done = dict.fromkeys(weights, 0.0)
        self.on_progress = on_progress

    def of(self, part: str) -> ProgressCallback:
        def report(fraction: float) -> None:
            self.done[part] = fraction
            total = sum(self.weights[p] * self.done[p] for p in self.done)
            self.on_progress(total / sum(self.weights.values()))

        return report


async def encode_one_pass(
    ladder: LadderPlan, *, ffmpeg: str, source: Path, out: Path, on_progress: ProgressCallback
) -> None:
    """Every rung, the tracks and the extras in one ffmpeg run (one decode)."""
    _fresh(
        *(out / rung.key for rung in ladder.rungs),
        *(out / key for key in ladder.track_keys),
        *(out / directory for directory in EXTRAS_DIRECTORIES),
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
    _fresh(*(out / rung.key for rung in ladder.rest), *(out / directory for directory in EXTRAS_DIRECTORIES))
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
