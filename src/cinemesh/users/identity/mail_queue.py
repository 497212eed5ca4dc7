"""Mail work done after the answer, by a worker of the service rather than by the request.

A password-reset request answers 202 at once and the mail follows; Starlette's background tasks
ran that mail inside the request's ASGI call, so the gateway's bulkhead slot stayed taken until
the SMTP exchange ended, and an anonymous flood of resets took the capacity signed-in users'
requests needed (their `GET /me` answered 503). Here the request only enqueues; one worker
sends. The queue is bounded: when it is full the job is dropped and logged (the throttles in
front keep that for floods from many clients; the user asks again). It lives in memory, so a
crash loses what was queued, like a mail server outage does (the user asks again).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable

from cinemesh.platform.background import BackgroundTask
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.users.mail_queue")

MailJob = Callable[[], Awaitable[None]]


class MailQueue:
    def __init__(self, *, capacity: int) -> None:
        self._jobs: asyncio.Queue[MailJob] = asyncio.Queue(maxsize=capacity)
        self._worker = BackgroundTask("users-mail-queue")

    def submit(self, job: MailJob) -> bool:
        """Queues `job`; False (and a warning) when the queue is full."""
        try:
            self._jobs.put_nowait(job)
        except asyncio.QueueFull:
            log.warning("mail_queue_full", capacity=self._jobs.maxsize)
            return False
        return True

    async def start(self) -> None:
        # A fresh context: the request that happens to start the service must not label its logs.
        self._worker.start(self._work, context=contextvars.Context())

    async def stop(self) -> None:
        await self._worker.stop()

    async def settled(self) -> None:
        """Waits until every queued job has run (tests, and a graceful stop)."""
        await self._jobs.join()

    async def _work(self) -> None:
        while True:
            job = await self._jobs.get()
            try:
                await job()
            except Exception:
                log.exception("mail_job_failed")
            finally:
                self._jobs.task_done()
