"""The ffmpeg command lines of the ladder. Pure functions: argv in, nothing run.

Each pass decodes the source once and splits the picture to every output. By default there
are two, run side by side:

* the first pass encodes the lowest rung and the audio, so a title is playable early;
* the second encodes every other rung, the trick-play tiles and the poster candidates (the
  sprite sheets and the preview clip are made afterwards from those tiles and the lowest rung).

With `early_first_rung` off, one pass makes all of it (one decode instead of two).

Every rung sees the same `fps` filter before its scaler and the same forced keyframe times
(every `gop_seconds` of output time), so keyframes, and hence segment boundaries, fall at
identical times in every rung whichever pass made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cinemesh.media import layout
from cinemesh.media.domain.videos import AUDIO_KBPS, AudioTrack, Rung, SubtitleTrack

SPRITE_INTERVAL_SECONDS = 10
SPRITE_COLUMNS = SPRITE_ROWS = 10
SPRITE_TILE_WIDTH = 320
POSTER_CANDIDATES = 8
PREVIEW_SECONDS = 6
PREVIEW_KBPS = 250


@dataclass(frozen=True)
class EncodeOptions:
    frame_rate: float
    preset: str
    gop_seconds: int
    segment_seconds: int


def _hls_output(directory: Path, segment_seconds: int) -> list[str]:
    return [
        "-f",
        "hls",
        "-hls_time",
        str(segment_seconds),
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_fmp4_init_filename",
        layout.INIT_SEGMENT,
        "-hls_flags",
        "independent_segments",
        "-hls_segment_filename",
        str(directory / layout.SEGMENTS),
        str(directory / layout.PLAYLIST),
    ]


def _video_rung(label: str, rung: Rung, directory: Path, options: EncodeOptions) -> list[str]:
    gop_frames = max(1, round(options.frame_rate * options.gop_seconds))
    return [
        "-map",
        f"[{label}]",
        "-c:v",
        "libx264",
        "-preset",
        options.preset,
        "-profile:v",
        "high",
        # Capped CRF: quality-driven, but never above maxrate over a bufsize window.
        "-crf",
        "23",
        "-maxrate",
        f"{rung.max_kbps}k",
        "-bufsize",
        f"{rung.bufsize_kbps}k",
        "-g",
        str(gop_frames),
        "-keyint_min",
        str(gop_frames),
        "-sc_threshold",
        "0",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{options.gop_seconds})",
        "-x264-params",
        "open-gop=0",
        "-pix_fmt",
        "yuv420p",
        *_hls_output(directory, options.segment_seconds),
    ]


def _audio(track: AudioTrack, directory: Path, segment_seconds: int) -> list[str]:
    return [
        "-map",
        f"0:a:{track.stream}",
        "-c:a",
        "aac",
        "-profile:a",
        "aac_low",
        "-b:a",
        f"{AUDIO_KBPS}k",
        "-ac",
        "2",
        "-ar",
        "48000",
        *_hls_output(directory, segment_seconds),
    ]


def _every(seconds: float) -> str:
    """The first frame, then the first frame at least `seconds` after the last one picked.

    (`fps=1/N` picks nothing from a clip shorter than N seconds; this always picks one.)
    """
    return f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{seconds:.3f})'"


def _scale(rung: Rung) -> str:
    return f"scale={rung.width}:{rung.height}:flags=bicubic,setsar=1"


def _split_graph(branches: list[str], frame_rate: float) -> str:
    """`[0:v]fps,split` feeding one labelled chain per branch (`chain` then `[label]`)."""
    head = f"[0:v]fps={frame_rate},format=yuv420p"
    if len(branches) == 1:
        return f"{head},{branches[0]}"
    labels = [f"[s{index}]" for index in range(len(branches))]
    parts = [f"{head},split={len(branches)}{''.join(labels)}"]
    parts += [f"{label}{branch}" for label, branch in zip(labels, branches, strict=True)]
    return ";".join(parts)


def _subtitles(track: SubtitleTrack, directory: Path) -> list[str]:
    return [
        "-map",
        f"0:s:{track.stream}",
        "-c:s",
        "webvtt",
        "-f",
        "webvtt",
        str(directory / layout.SUBTITLES),
    ]


@dataclass(frozen=True)
class Tracks:
    """The source's audio and text subtitle tracks a pass carries over."""

    audio: list[AudioTrack]
    subtitles: list[SubtitleTrack]


NO_TRACKS = Tracks(audio=[], subtitles=[])


def first_pass(
    *, ffmpeg_argv: list[str], source: Path, rung: Rung, tracks: Tracks, out: Path, options: EncodeOptions
) -> list[str]:
    """The lowest rung, the audio and the subtitles: what makes a title playable, fast."""
    return ladder_pass(
        ffmpeg_argv=ffmpeg_argv,
        source=source,
        rungs=[rung],
        tracks=tracks,
        extras=None,
        out=out,
        options=options,
    )


def second_pass(
    *,
    ffmpeg_argv: list[str],
    source: Path,
    rungs: list[Rung],
    duration_seconds: float,
    out: Path,
    options: EncodeOptions,
) -> list[str]:
    """The rungs above the first, the trick-play tiles and the poster candidates."""
    return ladder_pass(
        ffmpeg_argv=ffmpeg_argv,
        source=source,
        rungs=rungs,
        tracks=NO_TRACKS,
        extras=Extras(duration_seconds=duration_seconds),
        out=out,
        options=options,
    )


@dataclass(frozen=True)
class Extras:
    """What a pass makes besides rungs: trick-play tiles and poster candidates."""

    duration_seconds: float


def ladder_pass(
    *,
    ffmpeg_argv: list[str],
    source: Path,
    rungs: list[Rung],
    tracks: Tracks,
    extras: Extras | None,
    out: Path,
    options: EncodeOptions,
) -> list[str]:
    """One ffmpeg run: the source decoded once, its picture split to every rung (and extras)."""
    branches = [f"{_scale(rung)}[r{index}]" for index, rung in enumerate(rungs)]
    if extras is not None:
        branches += _extra_branches(extras)
    argv = [*ffmpeg_argv, "-i", str(source), "-filter_complex", _split_graph(branches, options.frame_rate)]
    for index, rung in enumerate(rungs):
        argv += _video_rung(f"r{index}", rung, out / rung.key, options)
    for audio in tracks.audio:
        argv += _audio(audio, out / audio.key, options.segment_seconds)
    for subtitles in tracks.subtitles:
        argv += _subtitles(subtitles, out / subtitles.key)
    if extras is not None:
        argv += _extra_outputs(out, options)
    return argv


def _extra_branches(extras: Extras) -> list[str]:
    # Every branch yields its first frame at t=0: ffmpeg reports no progress until every output
    # of a run has started, so a branch that waits (a `tile` sheet fills up only at the end, a
    # preview `trim` starts at 20 %) would leave a job's progress bar still for the whole pass.
    # Hence single tiles here, sheets and the preview clip afterwards (`sprite_sheets`, `preview`).
    poster_every = max(1.0, extras.duration_seconds / POSTER_CANDIDATES)
    return [
        f"{_every(SPRITE_INTERVAL_SECONDS)},scale={SPRITE_TILE_WIDTH}:-2[tiles]",
        f"{_every(poster_every)},scale='min(1280,iw)':-2[posters]",
    ]


def _extra_outputs(out: Path, options: EncodeOptions) -> list[str]:
    argv = ["-map", "[tiles]", "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "5", "-f", "image2"]
    argv += ["-start_number", "0", str(out / layout.TILES / layout.TILE_FILES)]
    argv += ["-map", "[posters]", "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "2", "-f", "image2"]
    argv += ["-start_number", "0", str(out / layout.CANDIDATES / layout.CANDIDATE_FILES)]
    return argv


def sprite_sheets(*, ffmpeg_argv: list[str], out: Path) -> list[str]:
    """The tiles the pass wrote, 10x10 to a sheet (the last one padded): tiny images, no decode of
    the source."""
    argv = [
        *ffmpeg_argv,
        "-framerate",
        "1",
        "-start_number",
        "0",
        "-i",
        str(out / layout.TILES / layout.TILE_FILES),
    ]
    argv += ["-vf", f"tile={SPRITE_COLUMNS}x{SPRITE_ROWS}", "-c:v", "mjpeg", "-q:v", "5"]
    argv += ["-start_number", "0", str(out / layout.THUMBS / layout.SPRITES)]
    return argv


def preview(
    *, ffmpeg_argv: list[str], rung_playlist: Path, duration_seconds: float, out: Path, preset: str
) -> list[str]:
    """A short silent clip cut from the lowest rung (already at preview size: decoding it is cheap)."""
    start = 0.0 if duration_seconds <= PREVIEW_SECONDS * 2 else duration_seconds * 0.2
    argv = [*ffmpeg_argv, "-ss", f"{start:.3f}", "-t", str(PREVIEW_SECONDS), "-i", str(rung_playlist)]
    argv += ["-map", "0:v:0", "-c:v", "libx264", "-preset", preset, "-b:v", f"{PREVIEW_KBPS}k"]
    argv += ["-maxrate", f"{PREVIEW_KBPS * 2}k", "-bufsize", f"{PREVIEW_KBPS * 2}k", "-an"]
    argv += ["-movflags", "+faststart", str(out / layout.PREVIEW)]
    return argv
