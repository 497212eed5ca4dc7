"""Use cases of a tus upload: create, read its state, append a chunk, terminate.

Ownership is checked here, once, for every route: a video belongs to its uploader; admins see
all; anyone else gets 404, the same answer as for an id that does not exist (no IDOR, no probing
for ids; `service/videos.py` says who sees what).

An upload names a catalog title (`title_id`, a title or one of its episodes), checked by
`titles.TitleGate`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from cinemesh.contracts.media import TRAILER
from cinemesh.media.domain.uploads import (
    ChunkTooLargeError,
    ConcurrentPatchError,
    ExpectedChecksum,
    InsufficientStorageError,
    OffsetMismatchError,
    OnAnotherInstanceError,
    SpoolMissingError,
    UploadCompleteError,
    UploadExpiredError,
    UploadNotFoundError,
    upload_request,
)
from cinemesh.media.domain.videos import Limits, VideoStatus
from cinemesh.media.service.chunks import write_chunk
from cinemesh.media.service.expiry import expire_upload, expires_at, idle_cutoff, is_expired
from cinemesh.media.service.intake import complete_upload
from cinemesh.media.service.titles import TitleGate
from cinemesh.media.service.videos import can_see
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store.spool import Spool
from cinemesh.media.store.videos import VideoRow, VideoStore, utcnow
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.storage import ObjectStore
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.media")


@dataclass(frozen=True)
class UploadState:
    video_id: str
    offset: int
    length: int
    expires_at: dt.datetime | None  # None once every byte is in (nothing left to expire)


class UploadService:
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
        self.titles = TitleGate(database=database, settings=settings)

    @property
    def limits(self) -> Limits:
        s = self.settings
        return Limits(s.max_duration_seconds, s.max_width, s.max_height)

    async def create_upload(
        self, *, principal: Principal, length: int, metadata: dict[str, str]
    ) -> UploadState:
        request = upload_request(length=length, metadata=metadata, max_bytes=self.settings.max_upload_bytes)
        title_id, kind, filename = request.title_id, request.kind, request.filename
        content = await self.titles.require(principal, title_id)
        if kind == TRAILER:
            # A trailer belongs to the title, not to one episode: it is recorded (and announced)
            # under the title's id, which delivery checks before playing it as that title's trailer.
            title_id = content.title_id
        self._require_disk(length)
        video_id = str(uuid.uuid4())
        spool_id = await self.spool.current_identity()
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
                    spool_id=spool_id,
                    kind=kind,
                    created_at=now,
                    updated_at=now,
                )
            )
        log.info("upload_created", video_id=video_id, title_id=title_id, size_bytes=length, kind=kind)
        expiry = now + dt.timedelta(seconds=self.settings.upload_expiry_seconds)
        return UploadState(video_id, 0, length, expiry)

    def _require_disk(self, incoming: int) -> None:
        free = self.spool.free_bytes()
        if free - incoming < self.settings.min_free_disk_bytes:
            raise InsufficientStorageError(
                "Not enough disk space to accept this upload now; try again later."
            )

    async def _owned(self, principal: Principal, video_id: str) -> VideoRow:
        async with self.database.session() as session:
            row = await VideoStore(session).get(video_id)
        if row is None or not can_see(principal, row):
            raise UploadNotFoundError(f"No upload {video_id}.")
        return row

    async def _live(self, principal: Principal, video_id: str) -> VideoRow:
        """The caller's upload, unless it expired (410; expired now if the sweeper is behind)."""
        row = await self._owned(principal, video_id)
        if is_expired(row, self.settings):
            if row.status == VideoStatus.UPLOADING.value:
                await expire_upload(
                    self.database, self.spool, video_id, idle_since=idle_cutoff(self.settings)
                )
            seconds = self.settings.upload_expiry_seconds
            raise UploadExpiredError(
                f"Upload {video_id} expired after {seconds:g} s without bytes; start a new upload."
            )
        return row

    def _state(self, row: VideoRow) -> UploadState:
        # Still `uploading` at the full offset (the store was down at the last byte) expires too,
        # unless the client completes it with an empty PATCH.
        uploading = row.status == VideoStatus.UPLOADING.value
        return UploadState(
            row.id, row.offset_bytes, row.size_bytes, expires_at(row, self.settings) if uploading else None
        )

    async def upload_state(self, *, principal: Principal, video_id: str) -> UploadState:
        return self._state(await self._live(principal, video_id))

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
    ) -> UploadState:
        """tus PATCH: writes the chunk at `offset`; returns the upload's new state."""
        lock = self._locks.setdefault(video_id, asyncio.Lock())
        if lock.locked():
            raise ConcurrentPatchError()
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
    ) -> UploadState:
        row = await self._live(principal, video_id)
        if row.status != VideoStatus.UPLOADING.value:
            raise UploadCompleteError(
                f"The upload is already complete ({row.status}).", offset=row.offset_bytes
            )
        await self._require_this_spool(row)
        if offset == row.offset_bytes == row.size_bytes:
            # Every byte is here but completing failed earlier (store outage): finish it now.
            await asyncio.shield(self._complete(row))
            return UploadState(video_id, offset, row.size_bytes, None)
        if offset != row.offset_bytes:
            raise OffsetMismatchError(
                f"Upload-Offset {offset} does not match the upload's offset {row.offset_bytes}.",
                offset=row.offset_bytes,
            )
        remaining = row.size_bytes - offset
        if content_length is not None and content_length > remaining:
            raise ChunkTooLargeError(f"The chunk is {content_length} bytes but only {remaining} remain.")
        self._require_disk(content_length or 0)
        # Activity starts now: an upload that was about to expire cannot be swept while this
        # chunk streams in (and one that expired a moment ago is refused here).
        async with self.database.transaction() as session:
            touched = await VideoStore(session).touch_upload(video_id, not_before=idle_cutoff(self.settings))
        if touched is None:
            raise await self._gone_or_moved(principal, video_id)
        try:
            chunk = await write_chunk(
                self.spool,
                video_id,
                offset=offset,
                remaining=remaining,
                body=body,
                checksum=checksum,
                disconnected=disconnected,
            )
        except SpoolMissingError:
            await self._live(principal, video_id)  # 410 if it was swept meanwhile
            raise
        now = utcnow()
        async with self.database.transaction() as session:
            advanced = await VideoStore(session).advance_offset(
                video_id, expected=offset, new_offset=chunk.new_offset, now=now
            )
        if not advanced:
            raise await self._gone_or_moved(principal, video_id)
        if chunk.new_offset == row.size_bytes:
            # Shielded: finishing must not stop half-way if the client (or a proxy) gives up.
            await asyncio.shield(self._complete(row))
            return UploadState(video_id, chunk.new_offset, row.size_bytes, None)
        expiry = now + dt.timedelta(seconds=self.settings.upload_expiry_seconds)
        return UploadState(video_id, chunk.new_offset, row.size_bytes, expiry)

    async def _gone_or_moved(self, principal: Principal, video_id: str) -> OffsetMismatchError:
        """Why an upload could not move: expired (410), else another writer got there first."""
        row = await self._live(principal, video_id)
        return OffsetMismatchError("The upload moved on concurrently.", offset=row.offset_bytes)

    async def _require_this_spool(self, row: VideoRow) -> None:
        """The upload's bytes are on this process's spool (see docs/media.md, "Several API
        replicas"): a PATCH on another replica's disk is refused before it touches anything."""
        if row.spool_id is not None and row.spool_id != await self.spool.current_identity():
            log.warning("upload_on_another_spool", video_id=row.id, spool_id=row.spool_id)
            raise OnAnotherInstanceError(
                f"Upload {row.id} is being received by another instance (spool {row.spool_id}); this "
                "one cannot continue it. Route an upload's requests to one instance, or share the spool.",
                spool_id=row.spool_id,
            )

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
        row = await self._live(principal, video_id)
        if row.status != VideoStatus.UPLOADING.value:
            raise UploadCompleteError(
                f"The upload is complete ({row.status}); it can no longer be terminated."
            )
        async with self.database.transaction() as session:
            existing = await VideoStore(session).get(video_id)
            if existing is not None:
                await session.delete(existing)
        await self.spool.discard(video_id)
