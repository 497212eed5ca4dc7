"""What a transcoding job's attempts write: the job's lease and outcome, the video's state, and
the events that announce them, each in one transaction (`jobs/worker.py` runs the attempts)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from cinemesh.media.domain.videos import VideoStatus
from cinemesh.media.publishing import announce, job_progress, video_failed
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import queue
from cinemesh.media.store.videos import VideoStore
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.media.worker")
PROGRESS_EVENT_STEP = 5.0  # percent between two progress events


class JobProgress:
    """The latest (stage, percent) of the running job, written by the heartbeat.

    A report wakes the heartbeat early, so a live progress bar moves every second or so rather
    than every `heartbeat_seconds`.
    """

    def __init__(self) -> None:
        self.stage = "queued"
        self.percent = 0.0
        self.announced: tuple[str, float] | None = None
        self.changed = asyncio.Event()

    def report(self, stage: str, percent: float) -> None:
        self.stage, self.percent = stage, max(self.percent, min(100.0, percent))
        self.changed.set()

    def should_announce(self) -> bool:
        if self.announced is None or self.announced[0] != self.stage:
            return True
        return self.percent - self.announced[1] >= PROGRESS_EVENT_STEP


class JobStates:
    def __init__(self, *, database: Database, settings: MediaSettings) -> None:
        self.database = database
        self.settings = settings

    async def claim(self, owner: str) -> queue.ClaimedJob | None:
        async with self.database.transaction() as session:
            return await queue.claim(session, owner=owner, lease_seconds=self.settings.lease_seconds)

    async def started(self, job: queue.ClaimedJob, progress: JobProgress) -> None:
        async with self.database.transaction() as session:
            videos = VideoStore(session)
            await videos.set_state(job.video_id, status=VideoStatus.PROCESSING, stage="probing")
            video = await videos.get(job.video_id)
            if video is not None:  # queued -> processing is news to a live progress bar
                progress.announced = ("probing", 0.0)
                await announce(session, job_progress(video, stage="probing", percent=0.0))

    async def beat(self, job: queue.ClaimedJob, progress: JobProgress) -> bool:
        """Extends the lease and writes the progress; False when the lease was lost."""
        async with self.database.transaction() as session:
            if not await queue.heartbeat(session, job, lease_seconds=self.settings.lease_seconds):
                return False
            videos = VideoStore(session)
            video = await videos.get(job.video_id)
            if video is None or video.status != VideoStatus.PROCESSING.value:
                return True
            await videos.set_state(
                job.video_id, status=VideoStatus.PROCESSING, stage=progress.stage, progress=progress.percent
            )
            if progress.should_announce():
                progress.announced = (progress.stage, progress.percent)
                percent = round(progress.percent, 1)
                await announce(session, job_progress(video, stage=progress.stage, percent=percent))
            return True

    async def retry_or_fail(self, job: queue.ClaimedJob, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        if job.attempt >= self.settings.max_attempts:
            await self.fail(job, reason, permanent=False)
            return
        delay = self.settings.retry_base_seconds * 2 ** (job.attempt - 1)
        log.warning(
            "media_job_retry", job_id=job.job_id, attempt=job.attempt, delay=delay, error=reason[:300]
        )
        async with self.database.transaction() as session:
            if await queue.retry_later(session, job, error=reason, delay_seconds=delay):
                await VideoStore(session).set_state(job.video_id, status=VideoStatus.QUEUED, stage="retrying")

    async def hand_back(self, job: queue.ClaimedJob) -> None:
        with contextlib.suppress(Exception):
            async with self.database.transaction() as session:
                if await queue.retry_later(session, job, error="worker stopped", delay_seconds=0):
                    await VideoStore(session).set_state(
                        job.video_id, status=VideoStatus.QUEUED, stage="queued"
                    )

    async def fail(self, job: queue.ClaimedJob, reason: str, *, permanent: bool) -> None:
        log.warning("media_job_failed", job_id=job.job_id, video_id=job.video_id, reason=reason[:300])
        async with self.database.transaction() as session:
            if not await queue.fail(session, job, error=reason):
                return
            videos = VideoStore(session)
            video = await videos.get(job.video_id)
            if video is None:
                return
            await videos.set_state(job.video_id, status=VideoStatus.FAILED, error=reason)
            failed_at = dt.datetime.now(dt.UTC)
            await announce(
                session, video_failed(video, reason=reason, permanent=permanent, failed_at=failed_at)
            )
