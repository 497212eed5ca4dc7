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
import os
import socket
import uuid
from pathlib import Path

from cinemesh.media.domain.videos import BadMediaError
from cinemesh.media.service.jobs import JobProgress, JobStates
from cinemesh.media.service.transcoding import LeaseLostError, TranscodeRunner
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import queue
from cinemesh.platform.background import TaskSet
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.storage import ObjectStore

log = get_logger("cinemesh.media.worker")
PROGRESS_MIN_INTERVAL = 1.0  # seconds between two progress writes (and heartbeats they bring forward)


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
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{index}:{uuid.uuid4().hex[:6]}"
        self.states = JobStates(database=database, settings=settings)
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
                job = await self.states.claim(self.owner)
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
            await self.states.fail(
                job, f"gave up after {self.settings.max_attempts} attempts", permanent=False
            )
            return
        progress = JobProgress()
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
            await self.states.hand_back(job)
            raise
        except TimeoutError:
            work.cancel()
            with contextlib.suppress(BaseException):
                await work
            await self.states.fail(
                job, f"processing took longer than {self.settings.job_timeout_seconds:.0f} s", permanent=True
            )
        except LeaseLostError:
            log.warning("media_lease_lost", job_id=job.job_id, video_id=job.video_id)
        except BadMediaError as exc:
            await self.states.fail(job, str(exc), permanent=True)
        except Exception as exc:
            await self.states.retry_or_fail(job, exc)
        else:
            log.info("media_job_done", job_id=job.job_id, video_id=job.video_id)
        finally:
            beat.cancel()
            with contextlib.suppress(BaseException):
                await beat

    async def _run(self, job: queue.ClaimedJob, progress: JobProgress) -> None:
        await self.states.started(job, progress)
        await self.runner.run(job, progress.report)

    async def _heartbeat(
        self, job: queue.ClaimedJob, progress: JobProgress, work: asyncio.Task[None]
    ) -> None:
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
                alive = await self.states.beat(job, progress)
            except Exception as exc:  # one failed beat is not a lost lease; the next may succeed
                log.warning("media_heartbeat_failed", job_id=job.job_id, error=type(exc).__name__)
                continue
            if not alive:
                log.warning("media_lease_lost", job_id=job.job_id, video_id=job.video_id)
                work.cancel()
                return
