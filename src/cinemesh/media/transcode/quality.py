"""VMAF of every rung against the source, in one ffmpeg run that decodes the source once.

Each rung is upscaled to the size of the top rung, at most 1080p (the viewing condition the
default `vmaf_v0.6.1` model was trained for; a 4K comparison would cost more than the encode),
and compared with the source scaled to the same size through libvmaf, scoring every Nth frame
(`n_subsample`) to keep the cost a fraction of the encode.
"""

from __future__ import annotations

import json
from pathlib import Path

from cinemesh.media.transcode.ffmpeg import ProgressCallback, run_ffmpeg


def vmaf_argv(
    *,
    ffmpeg_argv: list[str],
    source: Path,
    rung_playlists: list[Path],
    width: int,
    height: int,
    frame_rate: float,
    subsample: int,
    logs: list[Path],
) -> list[str]:
    argv = list(ffmpeg_argv)
    for playlist in rung_playlists:
        argv += ["-i", str(playlist)]
    argv += ["-i", str(source)]
    count = len(rung_playlists)
    reference_input = count
    labels = "".join(f"[ref{index}]" for index in range(count))
    reference = f"[{reference_input}:v]fps={frame_rate},scale={width}:{height}:flags=bicubic,format=yuv420p"
    graph = [f"{reference},split={count}{labels}" if count > 1 else f"{reference}[ref0]"]
    for index, log in enumerate(logs):
        graph.append(
            f"[{index}:v]fps={frame_rate},scale={width}:{height}:flags=bicubic,format=yuv420p[dist{index}]"
        )
        graph.append(
            f"[dist{index}][ref{index}]libvmaf=n_subsample={subsample}:n_threads=2:"
            f"log_fmt=json:log_path={_escape(log)}[vmaf{index}]"
        )
    argv += ["-filter_complex", ";".join(graph)]
    for index in range(count):
        argv += ["-map", f"[vmaf{index}]", "-f", "null", "-"]
    return argv


def _escape(path: Path) -> str:
    # Filter-graph option values: ':' and '\\' and "'" need escaping.
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def read_vmaf(log: Path) -> float:
    document = json.loads(log.read_text())
    return round(float(document["pooled_metrics"]["vmaf"]["mean"]), 2)


async def measure_vmaf(
    *,
    ffmpeg_argv: list[str],
    source: Path,
    rung_playlists: list[Path],
    width: int,
    height: int,
    frame_rate: float,
    subsample: int,
    scratch: Path,
    duration_seconds: float,
    on_progress: ProgressCallback | None = None,
) -> list[float]:
    logs = [scratch / f"vmaf_{index}.json" for index in range(len(rung_playlists))]
    argv = vmaf_argv(
        ffmpeg_argv=ffmpeg_argv,
        source=source,
        rung_playlists=rung_playlists,
        width=width,
        height=height,
        frame_rate=frame_rate,
        subsample=subsample,
        logs=logs,
    )
    await run_ffmpeg(argv, duration_seconds=duration_seconds, on_progress=on_progress)
    return [read_vmaf(log) for log in logs]
