"""Use cases of the media service: tus uploads and reading a video's state.

Ownership is checked here, once, for every route: a video belongs to its uploader; admins see
all; anyone else gets 404, the same answer as for an id that does not exist (no IDOR, no probing
for ids).

An upload names a catalog title (`title_id`, a title or one of its episodes). Media checks it
against its projection of the catalog's events (`events.py`): the title must exist, be the
uploader's own (a content provider may upload only to titles it created, the catalog's rule for
editing; admins to any), and not be archived. A title created a moment ago may not have reached
media yet, so creation waits for it up to `title_wait_seconds` before refusing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from cinemesh.contracts.media import FEATURE, TRAILER, VIDEO_KINDS
from cinemesh.media.domain import Limits, VideoStatus
from cinemesh.media.events import TITLES_CHANGED
from cinemesh.media.intake import complete_upload
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import ContentStore, KnownContentRow, VideoRow, VideoStore, utcnow
from cinemesh.media.tus.expiry import expire_upload, expires_at, idle_cutoff, is_expired
from cinemesh.media.tus.protocol import CHECKSUM_MISMATCH, ExpectedChecksum, tus_headers
from cinemesh.media.tus.spool import ChunkTooLongError, Spool, SpoolFileMissingError, UploadBusyError
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.problems import Problem
from cinemesh.platform.storage import ObjectStore
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.media")
MAX_TITLE_ID = 64
MAX_FILENAME = 255
# While waiting for a title, the projection is re-read this often even without a wake-up from
# this process: the consumer that applies it may run in another process (`cinemesh worker`).
TITLE_POLL_SECONDS = 0.1
ARCHIVED = "archived"  # the catalog's terminal status


def can_see(principal: Principal, row: VideoRow) -> bool:
    return principal.has_any_role("admin") or row.owner_id == principal.user_id


@dataclass(frozen=True)
class UploadState:
    video_id: str
    offset: int
    length: int
    expires_at: dt.datetime | None  # None once every byte is in (nothing left to expire)


class Signal:
    """Wakes every waiter at once; a waiter takes `current` before it looks, so a notification
    between the look and the wait is not lost."""

    def __init__(self) -> None:
        self.current = asyncio.Event()

    def notify(self) -> None:
        self.current.set()
        self.current = asyncio.Event()


def _busy() -> Problem:
    return Problem(
        409, "Another PATCH of this upload is in progress.", code="upload-busy", headers=tus_headers()
    )


def _unknown_title(title_id: str) -> Problem:
    # The same answer for a title that does not exist and one the caller may not upload to, as
    # the catalog answers 404 for another provider's title (no probing for ids).
    detail = f"No title {title_id} that you may upload to."
    return Problem(
        404,
        detail,
        code="title-not-found",
        field="title_id",
        errors=[{"field": "title_id", "in": "Upload-Metadata", "message": detail, "type": "not_found"}],
        headers=tus_headers(),
    )


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
        self._titles_changed = Signal()
        # The catalog consumer's commits in this process wake uploads waiting for their title.
        database.on_commit_with(TITLES_CHANGED, self._titles_changed.notify)

    @property
    def limits(self) -> Limits:
        s = self.settings
        return Limits(s.max_duration_seconds, s.max_width, s.max_height)

    # -- tus --------------------------------------------------------------------------------

    async def create_upload(
        self, *, principal: Principal, length: int, metadata: dict[str, str]
    ) -> UploadState:
        title_id = metadata.get("title_id", "").strip()
        if not title_id or len(title_id) > MAX_TITLE_ID:
            raise Problem(
                400,
                "Upload-Metadata must carry title_id (at most 64 characters).",
                code="tus-missing-title",
                field="title_id",
                headers=tus_headers(),
            )
        kind = metadata.get("kind", FEATURE).strip().lower() or FEATURE
        if kind not in VIDEO_KINDS:
            raise Problem(
                400,
                f"kind must be one of {', '.join(VIDEO_KINDS)}.",
                code="tus-bad-metadata",
                field="kind",
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
        content = await self._require_title(principal, title_id)
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

    async def _require_title(self, principal: Principal, title_id: str) -> KnownContentRow:
        """The title exists in media's projection (waiting a bounded time for it), is the
        uploader's own (or the uploader is an admin) and is not archived."""
        deadline = time.monotonic() + self.settings.title_wait_seconds
        content: KnownContentRow | None = None
        while True:
            changed = self._titles_changed.current
            async with self.database.session() as session:
                content = await ContentStore(session).get(title_id)
            remaining = deadline - time.monotonic()
            if content is not None or remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, TITLE_POLL_SECONDS))
        if content is None:
            log.info("upload_refused_unknown_title", title_id=title_id)
            raise _unknown_title(title_id)
        if not principal.has_any_role("admin") and content.owner_id != principal.user_id:
            log.info("upload_refused_foreign_title", title_id=title_id, user_id=principal.user_id)
            raise _unknown_title(title_id)
        if content.status == ARCHIVED:
            raise Problem(
                409,
                f"Title {title_id} is archived; it takes no new videos.",
                code="title-archived",
                field="title_id",
                headers=tus_headers(),
            )
        return content

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

    async def _live(self, principal: Principal, video_id: str) -> VideoRow:
        """The caller's upload, unless it expired (410; expired now if the sweeper is behind)."""
        row = await self._owned(principal, video_id)
        if is_expired(row, self.settings):
            if row.status == VideoStatus.UPLOADING.value:
                await expire_upload(
                    self.database, self.spool, video_id, idle_since=idle_cutoff(self.settings)
                )
            raise Problem(
                410,
                f"Upload {video_id} expired after {self.settings.upload_expiry_seconds:g} s without bytes; "
                "start a new upload.",
                code="upload-expired",
                headers=tus_headers(),
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
            raise _busy()
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
            raise Problem(
                409,
                f"The upload is already complete ({row.status}).",
                code="upload-complete",
                headers={"Upload-Offset": str(row.offset_bytes), **tus_headers()},
            )
        await self._require_this_spool(row)
        if offset == row.offset_bytes == row.size_bytes:
            # Every byte is here but completing failed earlier (store outage): finish it now.
            await asyncio.shield(self._complete(row))
            return UploadState(video_id, offset, row.size_bytes, None)
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
        # Activity starts now: an upload that was about to expire cannot be swept while this
        # chunk streams in (and one that expired a moment ago is refused here).
        async with self.database.transaction() as session:
            touched = await VideoStore(session).touch_upload(video_id, not_before=idle_cutoff(self.settings))
        if touched is None:
            raise await self._gone_or_moved(principal, video_id)
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
        except UploadBusyError as exc:
            raise _busy() from exc
        except SpoolFileMissingError as exc:
            await self._live(principal, video_id)  # 410 if it was swept meanwhile
            raise Problem(
                409,
                f"This instance's spool has no bytes of upload {video_id}: they were written on "
                "another instance or lost. Resume where the upload was created, or start again.",
                code="upload-spool-missing",
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

    async def _gone_or_moved(self, principal: Principal, video_id: str) -> Problem:
        """Why an upload could not move: expired (410), else another writer got there first."""
        row = await self._live(principal, video_id)
        return Problem(
            409,
            "The upload moved on concurrently.",
            code="upload-offset-mismatch",
            headers={"Upload-Offset": str(row.offset_bytes), **tus_headers()},
        )

    async def _require_this_spool(self, row: VideoRow) -> None:
        """The upload's bytes are on this process's spool (see docs/media.md, "Several API
        replicas"): a PATCH on another replica's disk is refused before it touches anything."""
        if row.spool_id is not None and row.spool_id != await self.spool.current_identity():
            log.warning("upload_on_another_spool", video_id=row.id, spool_id=row.spool_id)
            raise Problem(
                409,
                f"Upload {row.id} is being received by another instance (spool {row.spool_id}); this "
                "one cannot continue it. Route an upload's requests to one instance, or share the spool.",
                code="upload-on-another-instance",
                headers=tus_headers(),
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
