"""Use cases of the media service: tus uploads and reading a video's state.

Ownership is checked here, once, for every route: a video belongs to its uploader; admins see
all; anyone else gets 404, the same answer as for an id that does not exist (no IDOR, no probing
for ids).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from cinemesh.media.domain import Limits, VideoStatus
from cinemesh.media.intake import complete_upload
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import VideoRow, VideoStore, utcnow
from cinemesh.media.tus.protocol import CHECKSUM_MISMATCH, ExpectedChecksum, tus_headers
from cinemesh.media.tus.spool import ChunkTooLongError, Spool
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.problems import Problem
from cinemesh.platform.storage import ObjectStore
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.media")
MAX_TITLE_ID = 64
MAX_FILENAME = 255


def can_see(principal: Principal, row: VideoRow) -> bool:
    return principal.has_any_role("admin") or row.owner_id == principal.user_id


@dataclass(frozen=True)
class UploadState:
    offset: int
    length: int


class MediaService:
    def __init__(
        self,
        *,
        database: Database,
        store: ObjectStore,
        spool: Spool,
        settings: MediaSettings,
        on_job_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.on_job_queued = on_job_queued  # wakes this process's idle workers
        self.database = database
        self.store = store
        self.spool = spool
        self.settings = settings
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def limits(self) -> Limits:
        s = self.settings
        return Limits(s.max_duration_seconds, s.max_width, s.max_height)

    # -- tus --------------------------------------------------------------------------------

    async def create_upload(self, *, principal: Principal, length: int, metadata: dict[str, str]) -> str:
        title_id = metadata.get("title_id", "").strip()
        if not title_id or len(title_id) > MAX_TITLE_ID:
            raise Problem(
                400,
                "Upload-Metadata must carry title_id (at most 64 characters).",
                code="tus-missing-title",
                field="title_id",
                headers=tus_headers(),
            )
        filename = metadata.get("filename") or None
        if filename is not None and len(filename) > MAX_FILENAME:
            raise Problem(
                400, "filename is too long.", code="tus-bad-metadata", field="filename", headers=tus_headers()
            )
        if length == 0:
            raise Problem(
                400,
                "The file is empty (Upload-Length 0).",
                code="empty-upload",
                field="Upload-Length",
                headers=tus_headers(),
            )
        if length > self.settings.max_upload_bytes:
            raise Problem(
                413,
                f"The file is {length} bytes; the limit is {self.settings.max_upload_bytes}.",
                code="upload-too-large",
                field="Upload-Length",
                headers=tus_headers(),
            )
        self._require_disk(length)
        video_id = str(uuid.uuid4())
        await self.spool.create(video_id)
        now = utcnow()
        async with self.database.transaction() as session:
            VideoStore(session).add(
                VideoRow(
                    id=video_id,
                    title_id=title_id,
                    owner_id=principal.user_id,
                    filename=filename,
                    size_bytes=length,
                    offset_bytes=0,
                    status=VideoStatus.UPLOADING.value,
                    progress=0.0,
                    published=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        log.info("upload_created", video_id=video_id, title_id=title_id, size_bytes=length)
        return video_id

    def _require_disk(self, incoming: int) -> None:
        free = self.spool.free_bytes()
        if free - incoming < self.settings.min_free_disk_bytes:
            raise Problem(
                507,
                "Not enough disk space to accept this upload now; try again later.",
                code="insufficient-storage",
                title="Insufficient Storage",
                headers={"Retry-After": "60", **tus_headers()},
            )

    async def _owned(self, principal: Principal, video_id: str) -> VideoRow:
        async with self.database.session() as session:
            row = await VideoStore(session).get(video_id)
        if row is None or not can_see(principal, row):
            raise Problem(404, f"No upload {video_id}.", code="upload-not-found", headers=tus_headers())
        return row

    async def upload_state(self, *, principal: Principal, video_id: str) -> UploadState:
        row = await self._owned(principal, video_id)
        return UploadState(offset=row.offset_bytes, length=row.size_bytes)

    async def append(
        self,
        *,
        principal: Principal,
        video_id: str,
        offset: int,
        checksum: ExpectedChecksum | None,
        body: AsyncIterator[bytes],
        disconnected: type[BaseException],
        content_length: int | None,
    ) -> int:
        """tus PATCH: writes the chunk at `offset`; returns the new offset."""
        lock = self._locks.setdefault(video_id, asyncio.Lock())
        if lock.locked():
            raise Problem(
                409, "Another PATCH of this upload is in progress.", code="upload-busy", headers=tus_headers()
            )
        async with lock:
            try:
                return await self._append_locked(
                    principal, video_id, offset, checksum, body, disconnected, content_length
                )
            finally:
                self._locks.pop(video_id, None)

    async def _append_locked(
        self,
        principal: Principal,
        video_id: str,
        offset: int,
        checksum: ExpectedChecksum | None,
        body: AsyncIterator[bytes],
        disconnected: type[BaseException],
        content_length: int | None,
    ) -> int:
        row = await self._owned(principal, video_id)
        if row.status != VideoStatus.UPLOADING.value:
            raise Problem(
                409,
                f"The upload is already complete ({row.status}).",
                code="upload-complete",
                headers={"Upload-Offset": str(row.offset_bytes), **tus_headers()},
            )
        if offset == row.offset_bytes == row.size_bytes:
            # Every byte is here but completing failed earlier (store outage): finish it now.
            await asyncio.shield(self._complete(row))
            return offset
        if offset != row.offset_bytes:
            raise Problem(
                409,
                f"Upload-Offset {offset} does not match the upload's offset {row.offset_bytes}.",
                code="upload-offset-mismatch",
                headers={"Upload-Offset": str(row.offset_bytes), **tus_headers()},
            )
        remaining = row.size_bytes - offset
        if content_length is not None and content_length > remaining:
            raise Problem(
                413,
                f"The chunk is {content_length} bytes but only {remaining} remain.",
                code="chunk-too-large",
                headers=tus_headers(),
            )
        self._require_disk(content_length or 0)
        try:
            chunk = await self.spool.write_chunk(
                video_id,
                offset=offset,
                remaining=remaining,
                body=body,
                checksum=checksum,
                disconnected=disconnected,
            )
        except ChunkTooLongError as exc:
            raise Problem(
                413,
                f"The chunk carries more than the {remaining} bytes that remain.",
                code="chunk-too-large",
                headers=tus_headers(),
            ) from exc
        if not chunk.checksum_ok:
            raise Problem(
                CHECKSUM_MISMATCH,
                "Upload-Checksum does not match the chunk; it was discarded.",
                code="checksum-mismatch",
                title="Checksum Mismatch",
                headers=tus_headers(),
            )
        async with self.database.transaction() as session:
            if not await VideoStore(session).advance_offset(
                video_id, expected=offset, new_offset=chunk.new_offset
            ):
                raise Problem(
                    409,
                    "The upload moved on concurrently.",
                    code="upload-offset-mismatch",
                    headers=tus_headers(),
                )
        if chunk.new_offset == row.size_bytes:
            # Shielded: finishing must not stop half-way if the client (or a proxy) gives up.
            await asyncio.shield(self._complete(row))
        return chunk.new_offset

    async def _complete(self, row: VideoRow) -> None:
        await complete_upload(
            row,
            database=self.database,
            store=self.store,
            spool=self.spool,
            settings=self.settings,
            limits=self.limits,
            on_job_queued=self.on_job_queued,
        )

    async def terminate(self, *, principal: Principal, video_id: str) -> None:
        row = await self._owned(principal, video_id)
        if row.status != VideoStatus.UPLOADING.value:
            raise Problem(
                409,
                f"The upload is complete ({row.status}); it can no longer be terminated.",
                code="upload-complete",
                headers=tus_headers(),
            )
        async with self.database.transaction() as session:
            existing = await VideoStore(session).get(video_id)
            if existing is not None:
                await session.delete(existing)
        await self.spool.discard(video_id)

    # -- videos -----------------------------------------------------------------------------

    async def get_video(self, *, principal: Principal, video_id: str) -> VideoRow:
        async with self.database.session() as session:
            row = await VideoStore(session).get(video_id)
        if row is None or not can_see(principal, row):
            raise Problem(404, f"No video {video_id}.", code="video-not-found")
        return row
