"""Where upload bytes land while an upload is in progress: one file per upload on local disk.

Chunks are streamed to disk (never held in memory), at the offset the client claims once the
database agrees with it. A chunk that fails its checksum or overruns the declared length is cut
off again (truncate back to the old offset), so the file only ever holds accepted bytes.

A spool has an identity (`spool.id`, a random id written in the directory the first time it is
used) that each upload records: a PATCH reaching a process whose spool is another one (an API
replica on its own disk) is refused clearly instead of failing on a missing file. Processes that
share the directory (one machine, or replicas on one shared volume) share the identity, and a
PATCH holds an exclusive `lockf` lock on the file while writing, so two of them can never write
one upload at once (POSIX locks also hold across NFSv4 clients).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cinemesh.media.domain.uploads import ExpectedChecksum

_FLUSH_BYTES = 1024 * 1024


_IDENTITY_FILE = "spool.id"
_PART = ".part"


class ChunkTooLongError(Exception):
    """The body carried more bytes than the upload has left."""


class SpoolFileMissingError(Exception):
    """This spool has no file for the upload (it was swept, or its bytes are on another spool)."""


class UploadBusyError(Exception):
    """Another process is writing this upload right now (it holds the file's lock)."""


@dataclass(frozen=True)
class WrittenChunk:
    new_offset: int
    checksum_ok: bool
    complete_body: bool  # False if the client went away mid-body


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._identity: str | None = None

    def path(self, upload_id: str) -> Path:
        return self.directory / f"{upload_id}{_PART}"

    def identity(self) -> str:
        """This spool's id; made once per directory, so processes sharing it share the id."""
        if self._identity is None:
            self._identity = self._read_or_make_identity()
        return self._identity

    def _read_or_make_identity(self) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / _IDENTITY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(str(uuid.uuid4()))
                handle.flush()
                os.fsync(handle.fileno())
        for _ in range(50):  # another process may have created it and not written it yet
            if identity := path.read_text().strip():
                return identity
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty; delete it to give this spool a new identity")

    async def current_identity(self) -> str:
        if self._identity is not None:
            return self._identity
        return await asyncio.to_thread(self.identity)

    def local_uploads(self) -> list[tuple[str, float]]:
        """(upload id, seconds since last modified) of every upload file in this spool."""
        found: list[tuple[str, float]] = []
        now = time.time()
        with contextlib.suppress(FileNotFoundError):
            for path in self.directory.glob(f"*{_PART}"):
                with contextlib.suppress(FileNotFoundError):
                    found.append((path.name.removesuffix(_PART), now - path.stat().st_mtime))
        return found

    async def create(self, upload_id: str) -> None:
        def make() -> None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.path(upload_id).touch()

        await asyncio.to_thread(make)

    def free_bytes(self) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        return shutil.disk_usage(self.directory).free

    async def discard(self, upload_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self.path(upload_id).unlink)

    async def write_chunk(
        self,
        upload_id: str,
        *,
        offset: int,
        remaining: int,
        body: AsyncIterator[bytes],
        checksum: ExpectedChecksum | None,
        disconnected: type[BaseException],
    ) -> WrittenChunk:
        """Writes `body` at `offset`; on a bad checksum or overrun nothing of it is kept."""
        hasher = checksum.hasher() if checksum else None
        written = 0
        complete = True
        buffer = bytearray()
        try:
            handle = await asyncio.to_thread(open, self.path(upload_id), "r+b")
        except FileNotFoundError as exc:
            raise SpoolFileMissingError(upload_id) from exc
        try:
            # Released when the handle closes. Non-blocking: a second writer is told to come back
            # (tus clients retry a 409) rather than queued behind a chunk of unknown length.
            fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            await asyncio.to_thread(handle.close)
            raise UploadBusyError(upload_id) from exc
        try:
            await asyncio.to_thread(handle.truncate, offset)
            handle.seek(offset)
            try:
                async for piece in body:
                    if written + len(buffer) + len(piece) > remaining:
                        raise ChunkTooLongError
                    buffer += piece
                    if hasher is not None:
                        hasher.update(piece)
                    if len(buffer) >= _FLUSH_BYTES:
                        await asyncio.to_thread(handle.write, bytes(buffer))
                        written += len(buffer)
                        buffer.clear()
            except disconnected:
                complete = False
            if buffer:
                await asyncio.to_thread(handle.write, bytes(buffer))
                written += len(buffer)
            await asyncio.to_thread(_flush, handle)
            checksum_ok = hasher is None or (
                complete and checksum is not None and hasher.digest() == checksum.digest
            )
            if not checksum_ok:
                await asyncio.to_thread(handle.truncate, offset)
                return WrittenChunk(offset, checksum_ok=False, complete_body=complete)
            return WrittenChunk(offset + written, checksum_ok=True, complete_body=complete)
        except BaseException:
            await asyncio.to_thread(handle.truncate, offset)
            raise
        finally:
            await asyncio.to_thread(handle.close)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
