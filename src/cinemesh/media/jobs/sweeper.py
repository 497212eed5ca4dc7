"""The sweeper of abandoned uploads (tus expiration): every media process runs one.

It expires the uploads idle for `upload_expiry_seconds` (`service.expiry.expire_upload`: one
conditional UPDATE, so with several processes an upload expires once) and deletes the files of
its own spool whose upload is no longer `uploading` (finished, terminated or expired by another
replica whose spool is a different disk): a file is only ever deleted by a process that can see it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from cinemesh.media.domain.videos import VideoStatus
from cinemesh.media.service.expiry import expire_upload, idle_cutoff
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store.spool import Spool
from cinemesh.media.store.videos import VideoStore
from cinemesh.platform.background import TaskSet, repeat_every
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.media")
_BATCH = 100
# A spool file with no row may be an upload being created (the file is made just before its
# row commits): leave such files alone for this long.
ORPHAN_GRACE_SECONDS = 300.0


@dataclass(frozen=True)
class SweepReport:
    expired: int
    files_removed: int


class UploadSweeper:
    def __init__(self, *, database: Database, spool: Spool, settings: MediaSettings) -> None:
        self.database = database
        self.spool = spool
        self.settings = settings

    def start(self, tasks: TaskSet) -> None:
        """Sweeps now, then every `upload_sweep_seconds`, in the runtime's task set."""
        every = self.settings.upload_sweep_seconds
        tasks.spawn("upload-sweeper", repeat_every(every, self.sweep, failure_event="upload_sweep_failed"))

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
