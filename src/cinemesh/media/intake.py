"""Completing an upload: the last byte is in the spool; make it a queued job or a failure.

Kept apart from the tus use cases because it is the one step that touches everything: the
probe, the object store, the job queue and the outbox, in that order, so that nothing is queued
for a source the store does not hold and nothing is announced that did not commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cinemesh.contracts.media import UploadCompletedV1, VideoFailedV1
from cinemesh.contracts.publishing import record_event
from cinemesh.media.domain import BadMediaError, Limits, VideoStatus, check_probe
from cinemesh.media.jobs import queue
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import VideoRow, VideoStore, utcnow
from cinemesh.media.transcode.probe import probe_file
from cinemesh.media.tus.protocol import tus_headers
from cinemesh.media.tus.spool import Spool
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.problems import Problem
from cinemesh.platform.storage import ObjectStore, ObjectStoreError

log = get_logger("cinemesh.media")
SOURCE = "cinemesh/media"


def source_key(video_id: str) -> str:
    return f"videos/{video_id}/source"


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
        probe = result.__dict__.copy()
    except BadMediaError as exc:
        failure = str(exc)
    if failure is None:
        try:
            await store.put_file(source_key(row.id), path)
        except ObjectStoreError as exc:
            # The bytes stay in the spool and the upload stays `uploading` at its full
            # offset: an empty PATCH at that offset (or HEAD then PATCH) completes it later.
            log.warning("upload_store_failed", video_id=row.id, error=type(exc).__name__)
            raise Problem(
                503,
                "The upload is complete but could not be stored yet; PATCH again (empty body) to retry.",
                code="storage-unavailable",
                headers={"Retry-After": "5", **tus_headers()},
            ) from exc
    now = utcnow()
    async with database.transaction() as session:
        videos = VideoStore(session)
        if failure is None:
            await videos.set_state(row.id, status=VideoStatus.QUEUED, stage="queued", progress=0.0)
            await videos.set_probe(row.id, probe or {})
            queue.enqueue(session, row.id)
        else:
            await videos.set_state(row.id, status=VideoStatus.FAILED, stage="probing", error=failure)
        await record_event(
            session,
            UploadCompletedV1(
                video_id=row.id,
                title_id=row.title_id,
                uploaded_by=row.owner_id,
                filename=row.filename,
                size_bytes=row.size_bytes,
                completed_at=now,
            ),
            source=SOURCE,
        )
        if failure is not None:
            await record_event(
                session,
                VideoFailedV1(
                    video_id=row.id, title_id=row.title_id, reason=failure, permanent=True, failed_at=now
                ),
                source=SOURCE,
            )
    await spool.discard(row.id)
    if failure is None:
        on_job_queued()
    log.info("upload_completed", video_id=row.id, failed=failure is not None)
