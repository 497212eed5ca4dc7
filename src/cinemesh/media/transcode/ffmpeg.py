"""Running ffmpeg as a child process: progress from `-progress pipe:1`, killed when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import signal
import sys
from collections.abc import Callable, Sequence

ProgressCallback = Callable[[float], None]
_STDERR_TAIL = 4000


class FfmpegError(Exception):
    """ffmpeg exited non-zero; `tail` is the end of what it wrote on stderr."""

    def __init__(self, returncode: int, tail: str) -> None:
        super().__init__(f"ffmpeg exited with status {returncode}: {tail.strip()[-600:]}")
        self.returncode = returncode
        self.tail = tail


_PR_SET_PDEATHSIG = 1


def _prepare_child(niceness: int) -> None:
    """In the child before exec: SIGKILL ffmpeg if the worker dies, even by `kill -9`.

    Without this an orphaned ffmpeg would keep burning CPU and writing files while another
    worker redoes the job. `niceness` lowers the child's CPU priority (see `run_ffmpeg`).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if niceness:
        os.nice(niceness)


def base_argv(ffmpeg: str) -> list[str]:
    return [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"]


async def run_ffmpeg(
    argv: Sequence[str],
    *,
    duration_seconds: float,
    on_progress: ProgressCallback | None = None,
    niceness: int = 0,
) -> None:
    """Runs ffmpeg to completion. Cancelling the awaiting task kills the process (no orphan).

    `niceness` > 0 runs it at a lower CPU priority than its siblings: a background pass then
    only takes the CPU time a foreground pass leaves idle.
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=functools.partial(_prepare_child, niceness) if sys.platform == "linux" else None,
    )
    assert process.stdout is not None and process.stderr is not None
    stderr_task = asyncio.ensure_future(process.stderr.read())
    try:
        async for raw in process.stdout:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and on_progress is not None and value.isdigit() and duration_seconds > 0:
                on_progress(min(1.0, int(value) / 1_000_000 / duration_seconds))
        returncode = await process.wait()
        stderr = (await stderr_task).decode("utf-8", "replace")
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(Exception):
            await asyncio.shield(process.wait())
        stderr_task.cancel()
        raise
    if returncode != 0:
        raise FfmpegError(returncode, stderr[-_STDERR_TAIL:])
