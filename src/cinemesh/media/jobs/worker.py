"""A transcoding worker: claims jobs, keeps their lease alive, retries or fails them.

Started by the media runtime's `on_start` (so it runs in `cinemesh up`, `cinemesh serve media`
and `cinemesh worker` alike) and stopped by `on_stop`. While a job runs, a heartbeat task
extends its lease every few seconds and writes the job's progress; if the lease is lost
(another worker took the job over because this one stalled) the job's task is cancelled, which
kills its ffmpeg. On shutdown the lease is handed back so another worker can take the job at
once instead of waiting for the lease to expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
import uuid
from pathlib import Path

from cinemesh.contracts.media import JobProgressV1, VideoFailedV1
from cinemesh.contracts.publishing import record_event
from cinemesh.media.domain.videos import BadMediaError, VideoStatus
from cinemesh.media.service.intake import SOURCE
from cinemesh.media.service.transcoding import LeaseLostError, TranscodeRunner
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import queue
from cinemesh.media.store.videos import VideoStore
from cinemesh.platform.background import TaskSet
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.storage import ObjectStore

log = get_logger("cinemesh.media.worker")
PROGRESS_EVENT_STEP = 5.0  # percent between two progress events
PROGRESS_MIN_INTERVAL = 1.0  # seconds between two progress writes (and heartbeats they bring forward)


class _Progress:
    """The latest (stage, percent) of the running job, written by the heartbeat.

    A report wakes the heartbeat early (at most once per PROGRESS_MIN_INTERVAL), so a live
    progress bar moves every second or so rather than every `heartbeat_seconds`.
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


class JobWorker:
    def __init__(
        self,
        *,
        database: Database,
        store: ObjectStore,
        settings: MediaSettings,
        work_root: Path,
        index: int = 0,
    ) -> None:
        self.database = database
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{index}:{uuid.uuid4().hex[:6]}"
        self.runner = TranscodeRunner(database=database, store=store, settings=settings, work_root=work_root)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    def start(self, tasks: TaskSet) -> None:
        """Runs the worker's loop in the runtime's task set, until `stop`."""
        if self._task is None:
            self._task = tasks.spawn(f"media-worker-{self.owner}", self._loop())

    async def stop(self) -> None:
        """Ends the loop now (a running job hands its lease back), before the store closes."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                async with self.database.transaction() as session:
                    job = await queue.claim(
                        session, owner=self.owner, lease_seconds=self.settings.lease_seconds
                    )
            except Exception as exc:  # a database hiccup must not end the worker
                log.warning("media_claim_failed", error=type(exc).__name__)
                job = None
            if job is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.poll_seconds)
                continue
            await self.process(job)

    async def process(self, job: queue.ClaimedJob) -> None:
        """Runs one claimed job to an outcome: done, retried later, failed, or handed back."""
        log.info("media_job_started", job_id=job.job_id, video_id=job.video_id, attempt=job.attempt)
        if job.attempt > self.settings.max_attempts:
            await self._fail(job, f"gave up after {self.settings.max_attempts} attempts", permanent=False)
            return
        progress = _Progress()
        work = asyncio.create_task(self._run(job, progress))
        beat = asyncio.create_task(self._heartbeat(job, progress, work))
        try:
            await asyncio.wait_for(asyncio.shield(work), timeout=self.settings.job_timeout_seconds)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is None or not current.cancelling():
                # The heartbeat cancelled the work: the lease is someone else's now.
                log.warning("media_job_abandoned", job_id=job.job_id, video_id=job.video_id)
                return
            work.cancel()
            with contextlib.suppress(BaseException):
                await work
            await self._hand_back(job)
            raise
        except TimeoutError:
            work.cancel()
            with contextlib.suppress(BaseException):
                await work
            await self._fail(
                job, f"processing took longer than {self.settings.job_timeout_seconds:.0f} s", permanent=True
            )
        except LeaseLostError:
            log.warning("media_lease_lost", job_id=job.job_id, video_id=job.video_id)
        except BadMediaError as exc:
            await self._fail(job, str(exc), permanent=True)
        except Exception as exc:
            await self._retry_or_fail(job, exc)
        else:
            log.info("media_job_done", job_id=job.job_id, video_id=job.video_id)
        finally:
            beat.cancel()
            with contextlib.suppress(BaseException):
                await beat

    async def _run(self, job: queue.ClaimedJob, progress: _Progress) -> None:
        async with self.database.transaction() as session:
            videos = VideoStore(session)
            await videos.set_state(job.video_id, status=VideoStatus.PROCESSING, stage="probing")
            video = await videos.get(job.video_id)
            if video is not None:  # queued -> processing is news to a live progress bar
                progress.announced = ("probing", 0.0)
                await record_event(
                    session,
                    JobProgressV1(
                        video_id=job.video_id, title_id=video.title_id, stage="probing", percent=0.0
                    ),
                    source=SOURCE,
                )
        await self.runner.run(job, progress.report)

    async def _heartbeat(self, job: queue.ClaimedJob, progress: _Progress, work: asyncio.Task[None]) -> None:
        pause = min(PROGRESS_MIN_INTERVAL, self.settings.heartbeat_seconds)
        while not work.done():
            # The lease is extended every heartbeat_seconds; progress brings the beat forward.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    progress.changed.wait(), timeout=self.settings.heartbeat_seconds - pause
                )
            await asyncio.sleep(pause)
            progress.changed.clear()
            try:
                alive = await self._beat(job, progress)
            except Exception as exc:  # one failed beat is not a lost lease; the next may succeed
                log.warning("media_heartbeat_failed", job_id=job.job_id, error=type(exc).__name__)
                continue
            if not alive:
                log.warning("media_lease_lost", job_id=job.job_id, video_id=job.video_id)
                work.cancel()
                return

    async def _beat(self, job: queue.ClaimedJob, progress: _Progress) -> bool:
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
                await record_event(
                    session,
                    JobProgressV1(
                        video_id=job.video_id,
                        title_id=video.title_id,
                        stage=progress.stage,
                        percent=round(progress.percent, 1),
                    ),
                    source=SOURCE,
                )
            return True

    async def _retry_or_fail(self, job: queue.ClaimedJob, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        if job.attempt >= self.settings.max_attempts:
            await self._fail(job, reason, permanent=False)
            return
        delay = self.settings.retry_base_seconds * 2 ** (job.attempt - 1)
        log.warning(
            "media_job_retry", job_id=job.job_id, attempt=job.attempt, delay=delay, error=reason[:300]
        )
        async with self.database.transaction() as session:
            if await queue.retry_later(session, job, error=reason, delay_seconds=delay):
                await VideoStore(session).set_state(job.video_id, status=VideoStatus.QUEUED, stage="retrying")

    async def _hand_back(self, job: queue.ClaimedJob) -> None:
        with contextlib.suppress(Exception):
            async with self.database.transaction() as session:
                if await queue.retry_later(session, job, error="worker stopped", delay_seconds=0):
                    await VideoStore(session).set_state(
                        job.video_id, status=VideoStatus.QUEUED, stage="queued"
                    )

    async def _fail(self, job: queue.ClaimedJob, reason: str, *, permanent: bool) -> None:
        log.warning("media_job_failed", job_id=job.job_id, video_id=job.video_id, reason=reason[:300])
        async with self.database.transaction() as session:
            if not await queue.fail(session, job, error=reason):
                return
            videos = VideoStore(session)
            video = await videos.get(job.video_id)
            if video is None:
                return
            await videos.set_state(job.video_id, status=VideoStatus.FAILED, error=reason)
            await record_event(
                session,
                VideoFailedV1(
                    video_id=job.video_id,
                    title_id=video.title_id,
                    kind=video.kind,  # a failed trailer must not set its title back
                    reason=reason,
                    permanent=permanent,
                    failed_at=dt.datetime.now(dt.UTC),
                ),
                source=SOURCE,
            )
