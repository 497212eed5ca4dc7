"""The ffmpeg command lines of the ladder. Pure functions: argv in, nothing run.

Two passes, both decoding the source once and splitting the picture to every output:

* the first pass encodes the lowest rung and the audio, so a title is playable early;
* the second encodes every other rung, the trick-play sprites, the poster candidates and the
  preview clip.

Every rung sees the same `fps` filter before its scaler and the same forced keyframe times
(every `gop_seconds` of output time), so keyframes, and hence segment boundaries, fall at
identical times in every rung whichever pass made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cinemesh.media.domain import AUDIO_KBPS, Rung

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
        "init.mp4",
        "-hls_flags",
        "independent_segments",
        "-hls_segment_filename",
        str(directory / "seg_%05d.m4s"),
        str(directory / "index.m3u8"),
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


def _audio(directory: Path, segment_seconds: int) -> list[str]:
    return [
        "-map",
        "0:a:0",
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


def first_pass(
    *, ffmpeg_argv: list[str], source: Path, rung: Rung, has_audio: bool, out: Path, options: EncodeOptions
) -> list[str]:
    graph = _split_graph([f"{_scale(rung)}[r0]"], options.frame_rate)
    argv = [*ffmpeg_argv, "-i", str(source), "-filter_complex", graph]
    argv += _video_rung("r0", rung, out / rung.key, options)
    if has_audio:
        argv += _audio(out / "audio", options.segment_seconds)
    return argv


def second_pass(
    *,
    ffmpeg_argv: list[str],
    source: Path,
    rungs: list[Rung],
    preview_rung: Rung,
    duration_seconds: float,
    out: Path,
    options: EncodeOptions,
) -> list[str]:
    poster_every = max(1.0, duration_seconds / POSTER_CANDIDATES)
    preview_start = 0.0 if duration_seconds <= PREVIEW_SECONDS * 2 else duration_seconds * 0.2
    branches = [f"{_scale(rung)}[r{index}]" for index, rung in enumerate(rungs)]
    branches.append(
        f"{_every(SPRITE_INTERVAL_SECONDS)},scale={SPRITE_TILE_WIDTH}:-2,"
        f"tile={SPRITE_COLUMNS}x{SPRITE_ROWS}[sprites]"
    )
    branches.append(f"{_every(poster_every)},scale='min(1280,iw)':-2[posters]")
    branches.append(
        f"trim=start={preview_start:.3f}:duration={PREVIEW_SECONDS},setpts=PTS-STARTPTS,{_scale(preview_rung)}[preview]"
    )
    argv = [*ffmpeg_argv, "-i", str(source), "-filter_complex", _split_graph(branches, options.frame_rate)]
    for index, rung in enumerate(rungs):
        argv += _video_rung(f"r{index}", rung, out / rung.key, options)
    argv += ["-map", "[sprites]", "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "5", "-f", "image2"]
    argv += ["-start_number", "0", str(out / "thumbs" / "sprite_%03d.jpg")]
    argv += ["-map", "[posters]", "-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v", "2", "-f", "image2"]
    argv += ["-start_number", "0", str(out / "candidates" / "poster_%03d.jpg")]
    argv += ["-map", "[preview]", "-c:v", "libx264", "-preset", options.preset, "-b:v", f"{PREVIEW_KBPS}k"]
    argv += ["-maxrate", f"{PREVIEW_KBPS * 2}k", "-bufsize", f"{PREVIEW_KBPS * 2}k", "-an"]
    argv += ["-movflags", "+faststart", str(out / "preview.mp4")]
    return argv
