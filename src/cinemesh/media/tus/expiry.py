"""Abandoned uploads expire (tus expiration extension).

An upload expires `upload_expiry_seconds` after its last activity (creation, or the start or end
of a PATCH), not after its creation: a 20 GiB file on a slow link may take longer than a day and
is not abandoned while bytes keep arriving. Expiring means: the row goes `uploading` -> `failed`
with the reason "upload expired" and a `media.video.failed.v1` (permanent) in the same
transaction, then the spool file is deleted. Requests for it get 410 afterwards.

Every media process runs an `UploadSweeper`. The transition is one conditional UPDATE, so with
several processes an upload expires once. Each sweeper also deletes the files of its own spool
whose upload is no longer `uploading` (finished, terminated or expired by another replica whose
spool is a different disk): a file is only ever deleted by a process that can see it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from dataclasses import dataclass

from cinemesh.contracts.media import VideoFailedV1
from cinemesh.contracts.publishing import record_event
from cinemesh.media.domain import VideoStatus
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import VideoRow, VideoStore, as_utc, utcnow
from cinemesh.media.tus.spool import Spool
from cinemesh.platform.background import BackgroundTask, repeat_every
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.media")
SOURCE = "cinemesh/media"
UPLOAD_EXPIRED = "upload expired"
_BATCH = 100
# A spool file with no row may be an upload being created (the file is made just before its
# row commits): leave such files alone for this long.
ORPHAN_GRACE_SECONDS = 300.0


def expires_at(row: VideoRow, settings: MediaSettings) -> dt.datetime:
    return as_utc(row.updated_at) + dt.timedelta(seconds=settings.upload_expiry_seconds)


def idle_cutoff(settings: MediaSettings, now: dt.datetime | None = None) -> dt.datetime:
    """Uploads with no activity since this instant have expired."""
    return (now or utcnow()) - dt.timedelta(seconds=settings.upload_expiry_seconds)


def is_expired(row: VideoRow, settings: MediaSettings) -> bool:
    if row.status == VideoStatus.FAILED.value:
        return row.error == UPLOAD_EXPIRED
    return row.status == VideoStatus.UPLOADING.value and expires_at(row, settings) <= utcnow()


def http_date(value: dt.datetime) -> str:
    """RFC 9110 IMF-fixdate, the format of `Upload-Expires`."""
    return email.utils.format_datetime(value.astimezone(dt.UTC), usegmt=True)


async def expire_upload(database: Database, spool: Spool, video_id: str, *, idle_since: dt.datetime) -> bool:
    """Fails the upload if it is still idle since `idle_since`; True if this call expired it."""
    async with database.transaction() as session:
        row = await VideoStore(session).expire_upload(video_id, idle_since=idle_since, reason=UPLOAD_EXPIRED)
        if row is None:
            return False
        await record_event(
            session,
            VideoFailedV1(
                video_id=row.id,
                title_id=row.title_id,
                reason=UPLOAD_EXPIRED,
                permanent=True,
                failed_at=as_utc(row.updated_at),
                kind=row.kind,
            ),
            source=SOURCE,
        )
    await spool.discard(video_id)  # nothing to do if its bytes are on another replica's disk
    log.info("upload_expired", video_id=video_id, offset_bytes=row.offset_bytes, size_bytes=row.size_bytes)
    return True


@dataclass(frozen=True)
class SweepReport:
    expired: int
    files_removed: int


class UploadSweeper:
    def __init__(self, *, database: Database, spool: Spool, settings: MediaSettings) -> None:
        self.database = database
        self.spool = spool
        self.settings = settings
        self._task = BackgroundTask("media-upload-sweeper")

    async def start(self) -> None:
        self._task.start(
            lambda: repeat_every(
                self.settings.upload_sweep_seconds, self.sweep, failure_event="upload_sweep_failed"
            )
        )

    async def stop(self) -> None:
        await self._task.stop()

    async def sweep(self) -> SweepReport:
        cutoff = idle_cutoff(self.settings)
        expired = 0
        while True:
            async with self.database.session() as session:
                stale = await VideoStore(session).stale_uploads(idle_since=cutoff, limit=_BATCH)
            for video_id in stale:
                expired += await expire_upload(self.database, self.spool, video_id, idle_since=cutoff)
            if len(stale) < _BATCH:
                break
        removed = await self._remove_dead_files()
        if expired or removed:
            log.info("upload_sweep", expired=expired, files_removed=removed)
        return SweepReport(expired=expired, files_removed=removed)

    async def _remove_dead_files(self) -> int:
        local = await asyncio.to_thread(self.spool.local_uploads)
        removed = 0
        for start in range(0, len(local), _BATCH):
            batch = local[start : start + _BATCH]
            async with self.database.session() as session:
                statuses = await VideoStore(session).statuses([upload_id for upload_id, _ in batch])
            for upload_id, age in batch:
                status = statuses.get(upload_id)
                if status == VideoStatus.UPLOADING.value:
                    continue
                if status is None and age < ORPHAN_GRACE_SECONDS:
                    continue
                await self.spool.discard(upload_id)
                removed += 1
        return removed
