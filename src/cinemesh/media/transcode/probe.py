"""Probing a source with PyAV, in a child process.

The probe runs in its own process (`python -m cinemesh.media.transcode.probe FILE`) because a
hostile file can make a demuxer spin or crash; a child can be killed on a timeout, a thread
cannot. It opens the container, checks there is a video stream, and decodes the first frame:
a file that cannot give one picture is not a video, whatever its extension says.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from cinemesh.media.domain.videos import TEXT_SUBTITLE_CODECS, BadMediaError, ProbeResult

_MAX_PACKETS_TO_FIRST_FRAME = 500


def probe_in_process(path: Path) -> dict[str, Any]:
    import av

    if path.stat().st_size == 0:
        raise BadMediaError("the file is empty (0 bytes)")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise BadMediaError(
            f"not a video file ({type(exc).__name__}: {exc.strerror or 'unreadable'})"
        ) from exc
    with container:
        if not container.streams.video:
            raise BadMediaError("the file has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rotation = 0
        try:
            for index, packet in enumerate(container.demux(stream)):
                frames = packet.decode()
                if frames:
                    rotation = int(getattr(frames[0], "rotation", 0) or 0)
                    break
                if index >= _MAX_PACKETS_TO_FIRST_FRAME:
                    raise BadMediaError("no picture could be decoded from the video stream")
            else:
                raise BadMediaError("no picture could be decoded from the video stream")
        except av.FFmpegError as exc:
            raise BadMediaError(
                f"the video stream is corrupt ({exc.strerror or type(exc).__name__})"
            ) from exc
        width, height = stream.codec_context.width, stream.codec_context.height
        if rotation % 180:
            width, height = height, width
        duration = _duration(container, stream)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        audio = container.streams.audio[0] if container.streams.audio else None
        return {
            "container": container.format.name,
            "duration_seconds": duration,
            "width": width,
            "height": height,
            "frame_rate": float(rate) if rate else 0.0,
            "video_codec": stream.codec_context.name,
            "rotation": rotation % 360,
            "has_audio": audio is not None,
            "audio_codec": audio.codec_context.name if audio is not None else None,
            "audio_streams": [_tags(s) for s in container.streams.audio],
            # With the position among all subtitle streams: ffmpeg's `0:s:N` counts bitmap ones too.
            "subtitle_streams": [
                (*_tags(s), position)
                for position, s in enumerate(container.streams.subtitles)
                if s.codec_context.name in TEXT_SUBTITLE_CODECS
            ],
        }


def _tags(stream: Any) -> tuple[str | None, str | None]:
    metadata = stream.metadata or {}
    return metadata.get("language"), metadata.get("title") or None


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return 0.0


async def probe_file(path: Path, *, timeout_seconds: float) -> ProbeResult:
    """Probes `path` in a child process; raises `BadMediaError` for any file it cannot vouch for."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cinemesh.media.transcode.probe",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout=timeout_seconds)
    except TimeoutError as exc:
        process.kill()
        await process.wait()
        raise BadMediaError(f"probing the file took longer than {timeout_seconds:.0f} s") from exc
    except BaseException:
        process.kill()
        await process.wait()
        raise
    try:
        answer = json.loads(stdout or b"{}")
    except ValueError:
        answer = {}
    if "error" in answer:
        raise BadMediaError(str(answer["error"]))
    if "probe" not in answer:
        raise BadMediaError(f"the probe crashed on this file (exit status {process.returncode})")
    probe = answer["probe"]
    for field in ("audio_streams", "subtitle_streams"):
        probe[field] = tuple(tuple(pair) for pair in probe.get(field, ()))
    return ProbeResult(**probe)


def main(argv: list[str]) -> int:
    try:
        answer: dict[str, Any] = {"probe": probe_in_process(Path(argv[1]))}
    except BadMediaError as exc:
        answer = {"error": str(exc)}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
