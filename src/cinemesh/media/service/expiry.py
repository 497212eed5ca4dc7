"""Abandoned uploads expire (tus expiration extension).

An upload expires `upload_expiry_seconds` after its last activity (creation, or the start or end
of a PATCH), not after its creation: a 20 GiB file on a slow link may take longer than a day and
is not abandoned while bytes keep arriving. Expiring means: the row goes `uploading` -> `failed`
with the reason "upload expired" and a `media.video.failed.v1` (permanent) in the same
transaction, then the spool file is deleted. Requests for it get 410 afterwards.

Every media process runs an `UploadSweeper` (`jobs/sweeper.py`); a request for an upload the
sweeper has not reached yet expires it on the spot. The transition is one conditional UPDATE, so
with several processes an upload expires once.
"""

from __future__ import annotations

import datetime as dt

from cinemesh.media.domain.videos import VideoStatus
from cinemesh.media.publishing import announce, video_failed
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store.spool import Spool
from cinemesh.media.store.videos import VideoRow, VideoStore, as_utc, utcnow
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.media")
UPLOAD_EXPIRED = "upload expired"


def expires_at(row: VideoRow, settings: MediaSettings) -> dt.datetime:
    return as_utc(row.updated_at) + dt.timedelta(seconds=settings.upload_expiry_seconds)


def idle_cutoff(settings: MediaSettings, now: dt.datetime | None = None) -> dt.datetime:
    """Uploads with no activity since this instant have expired."""
    return (now or utcnow()) - dt.timedelta(seconds=settings.upload_expiry_seconds)


def is_expired(row: VideoRow, settings: MediaSettings) -> bool:
    if row.status == VideoStatus.FAILED.value:
        return row.error == UPLOAD_EXPIRED
    return row.status == VideoStatus.UPLOADING.value and expires_at(row, settings) <= utcnow()


async def expire_upload(database: Database, spool: Spool, video_id: str, *, idle_since: dt.datetime) -> bool:
    """Fails the upload if it is still idle since `idle_since`; True if this call expired it."""
    async with database.transaction() as session:
        row = await VideoStore(session).expire_upload(video_id, idle_since=idle_since, reason=UPLOAD_EXPIRED)
        if row is None:
            return False
        failed_at = as_utc(row.updated_at)
        await announce(session, video_failed(row, reason=UPLOAD_EXPIRED, permanent=True, failed_at=failed_at))
    await spool.discard(video_id)  # nothing to do if its bytes are on another replica's disk
    log.info("upload_expired", video_id=video_id, offset_bytes=row.offset_bytes, size_bytes=row.size_bytes)
    return True
