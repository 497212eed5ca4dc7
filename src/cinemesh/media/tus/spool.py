"""Where upload bytes land while an upload is in progress: one file per upload on local disk.

Chunks are streamed to disk (never held in memory), at the offset the client claims once the
database agrees with it. A chunk that fails its checksum or overruns the declared length is cut
off again (truncate back to the old offset), so the file only ever holds accepted bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from cinemesh.media.tus.protocol import ExpectedChecksum

_FLUSH_BYTES = 1024 * 1024


class ChunkTooLongError(Exception):
    """The body carried more bytes than the upload has left."""


@dataclass(frozen=True)
class WrittenChunk:
    new_offset: int
    checksum_ok: bool
    complete_body: bool  # False if the client went away mid-body


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, upload_id: str) -> Path:
        return self.directory / f"{upload_id}.part"

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
        handle = await asyncio.to_thread(open, self.path(upload_id), "r+b")
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
            checksum_ok = hasher is None or (complete and hasher.digest() == checksum.digest)  # type: ignore[union-attr]
            if not checksum_ok:
                await asyncio.to_thread(handle.truncate, offset)
                return WrittenChunk(offset, checksum_ok=False, complete_body=complete)
            return WrittenChunk(offset + written, checksum_ok=True, complete_body=complete)
        except BaseException:
            await asyncio.to_thread(handle.truncate, offset)
            raise
        finally:
            await asyncio.to_thread(handle.close)


def _flush(handle: object) -> None:
    handle.flush()  # type: ignore[attr-defined]
    os.fsync(handle.fileno())  # type: ignore[attr-defined]
