"""Crash-safe file operations under a staging directory on the same filesystem.

A write stages its bytes in `staging`, fsyncs them, then renames them over the target: readers
see the old file or the new one, never a torn one, and a crash leaves at worst an orphan in the
staging directory (swept by age). Deletes prune the directories they leave empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_staged(
    staging: Path, write: Callable[[BinaryIO], object], *, prefix: str
) -> tuple[str, os.stat_result]:
    """Writes a staged file through `write` and syncs it; returns its path and final stat. The
    caller renames it into place (`replace_into`) or unlinks it (`discard`)."""
    fd, staged = tempfile.mkstemp(dir=staging, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())  # the rename must never publish bytes still in the page cache
            return staged, os.fstat(out.fileno())
    except BaseException:
        discard(staged)
        raise


def replace_into(staged: str, target: Path) -> None:
    """Renames `staged` over `target`, making its parents. A concurrent delete may prune the
    parent directory between mkdir and rename: retried once."""
    for attempt in range(2):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            return
        except FileNotFoundError:
            if attempt:
                raise


def write_json(staging: Path, target: Path, document: dict[str, str]) -> None:
    """A small JSON document replaced atomically (not synced: it is advisory metadata)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(dir=staging, prefix="meta-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(document).encode())
        os.replace(staged, target)
    except BaseException:
        discard(staged)
        raise


def discard(staged: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staged)


def sweep_staging(staging: Path, max_age: float) -> None:
    """Removes staged files older than `max_age` seconds: debris of crashed writers."""
    cutoff = time.time() - max_age
    for entry in os.scandir(staging):
        with contextlib.suppress(OSError):  # racing another sweeper is fine
            if entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)


def prune_empty(directory: Path, stop: Path) -> None:
    """Removes `directory` and its parents up to `stop` while they are empty, so a deleted video
    leaves no trail of folders. rmdir is atomic and refuses non-empty directories, so a
    concurrent write is never harmed."""
    while directory != stop and directory.is_relative_to(stop):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
