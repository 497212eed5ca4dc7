"""Writing one PATCH's bytes into the spool, the spool's refusals said in the upload's words."""

from __future__ import annotations

from collections.abc import AsyncIterator

from cinemesh.media.domain.uploads import (
    ChecksumMismatchError,
    ChunkTooLargeError,
    ConcurrentPatchError,
    ExpectedChecksum,
    SpoolMissingError,
)
from cinemesh.media.store.spool import (
    ChunkTooLongError,
    Spool,
    SpoolFileMissingError,
    UploadBusyError,
    WrittenChunk,
)


async def write_chunk(
    spool: Spool,
    video_id: str,
    *,
    offset: int,
    remaining: int,
    body: AsyncIterator[bytes],
    checksum: ExpectedChecksum | None,
    disconnected: type[BaseException],
) -> WrittenChunk:
    """The chunk at `offset`, kept only if it fits what remains and matches its checksum."""
    try:
        chunk = await spool.write_chunk(
            video_id,
            offset=offset,
            remaining=remaining,
            body=body,
            checksum=checksum,
            disconnected=disconnected,
        )
    except ChunkTooLongError as exc:
        raise ChunkTooLargeError(f"The chunk carries more than the {remaining} bytes that remain.") from exc
    except UploadBusyError as exc:
        raise ConcurrentPatchError() from exc
    except SpoolFileMissingError as exc:
        raise SpoolMissingError(
            f"This instance's spool has no bytes of upload {video_id}: they were written on "
            "another instance or lost. Resume where the upload was created, or start again."
        ) from exc
    if not chunk.checksum_ok:
        raise ChecksumMismatchError("Upload-Checksum does not match the chunk; it was discarded.")
    return chunk
