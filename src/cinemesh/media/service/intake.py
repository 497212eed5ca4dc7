"""Completing an upload: the last byte is in the spool; make it a queued job or a failure.

Kept apart from the tus use cases because it is the one step that touches everything: the
probe, the object store, the job queue and the outbox, in that order, so that nothing is queued
for a source the store does not hold and nothing is announced that did not commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cinemesh.media.domain.uploads import StorageUnavailableError
from cinemesh.media.domain.videos import BadMediaError, Limits, VideoStatus, check_probe
from cinemesh.media.layout import VideoKeys
from cinemesh.media.publishing import announce, upload_completed, video_failed
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import queue
from cinemesh.media.store.spool import Spool
from cinemesh.media.store.videos import VideoRow, VideoStore, utcnow
from cinemesh.media.transcode.probe import probe_file
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.storage import ObjectStore, ObjectStoreError

log = get_logger("cinemesh.media")


def source_key(video_id: str) -> str:
    return VideoKeys(video_id).source


async def complete_upload(
    row: VideoRow,
    *,
    database: Database,
    store: ObjectStore,
    spool: Spool,
    settings: MediaSettings,
    limits: Limits,
    on_job_queued: Callable[[], None],
) -> None:
    """The last byte arrived: store the source, probe it, queue the job (or fail fast)."""
    path = spool.path(row.id)
    failure: str | None = None
    probe: dict[str, Any] | None = None
    try:
        result = await probe_file(path, timeout_seconds=settings.probe_timeout_seconds)
        check_probe(result, limits)
        probe = result.stored()  # the job plans its ladder from it: the source is probed once
    except BadMediaError as exc:
        failure = str(exc)
    if failure is None:
        try:
            await store.put_file(source_key(row.id), path)
        except ObjectStoreError as exc:
            # The bytes stay in the spool and the upload stays `uploading` at its full
            # offset: an empty PATCH at that offset (or HEAD then PATCH) completes it later.
            log.warning("upload_store_failed", video_id=row.id, error=type(exc).__name__)
            raise StorageUnavailableError(
                "The upload is complete but could not be stored yet; PATCH again (empty body) to retry."
            ) from exc
        except FileNotFoundError:
            # Only an expiry or a termination removes the spool file under an upload, and both
            # commit the upload's new state first: recording the completion finds it superseded.
            failure = "the uploaded bytes were removed before they were stored"
    now = utcnow()
    try:
        await _record_completion(row, database=database, failure=failure, probe=probe, now=now)
    except _SupersededError:
        # Terminated, or expired by a sweeper, while the file was probed and stored (only an
        # expiry shorter than that can do it): that outcome stands; nothing is queued or announced.
        log.warning("upload_completion_superseded", video_id=row.id)
        if failure is None:
            await store.delete(source_key(row.id))
        await spool.discard(row.id)
        return
    await spool.discard(row.id)
    if failure is None:
        on_job_queued()
    log.info("upload_completed", video_id=row.id, failed=failure is not None)


class _SupersededError(Exception):
    """The upload left `uploading` (terminated, expired) before its completion was recorded."""


async def _record_completion(
    row: VideoRow, *, database: Database, failure: str | None, probe: dict[str, Any] | None, now: dt.datetime
) -> None:
    async with database.transaction() as session:
        videos = VideoStore(session)
        # The first write, conditional on `uploading`: it takes the row (or SQLite's write lock)
        # before anything else is written, and a lost race rolls the whole transaction back.
        if failure is None:
            moved = await videos.finish_upload(
                row.id, status=VideoStatus.QUEUED, stage="queued", progress=0.0
            )
        else:
            moved = await videos.finish_upload(
                row.id, status=VideoStatus.FAILED, stage="probing", error=failure
            )
        if not moved:
            raise _SupersededError(row.id)
        if failure is None:
            await videos.set_probe(row.id, probe or {})
            queue.enqueue(session, row.id)
        await announce(session, upload_completed(row, completed_at=now))
        if failure is not None:
            await announce(session, video_failed(row, reason=failure, permanent=True, failed_at=now))
