"""Long-running asyncio tasks owned by a component (a relay, a consumer, a sweeper, a worker).

Every such component had the same start/stop dance: create the task once, and on stop cancel it
and wait for it to unwind, so a stopped component leaves nothing running. `BackgroundTask` is
that dance; `repeat_every` is the loop of the periodic ones (sweepers, expiry jobs).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import Context
from typing import Any, NoReturn

from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.platform.background")


class BackgroundTask:
    """One named task: `start` runs it unless it already runs, `stop` cancels and awaits it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._task: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        return self._task is not None

    def start(self, work: Callable[[], Coroutine[Any, Any, None]], *, context: Context | None = None) -> None:
        """`context`: run in this contextvars context (e.g. a fresh one, so the request that
        happened to start the task does not label its logs)."""
        if self._task is None:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(work(), name=self.name, context=context)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def repeat_every(
    seconds: float, work: Callable[[], Awaitable[object]], *, failure_event: str
) -> NoReturn:
    """Runs `work` now and then every `seconds`, forever. A failure (a database outage, say) is
    logged as `failure_event` and tried again next time: it must not end the loop for good."""
    while True:
        try:
            await work()
        except Exception:
            log.exception(failure_event)
        await asyncio.sleep(seconds)


class TaskSet:
    """The background tasks of one component, started one by one and stopped together.

    A service's loops (the outbox relay, consumers, sweepers, purge and packaging queues) each
    used to keep its own list of tasks and cancel them by hand; a `TaskSet` is that list, and
    `stop` leaves nothing running (tasks are cancelled and awaited, newest first).
    Short-lived work (`spawn` of a one-off) leaves the set by itself when it ends.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: dict[asyncio.Task[None], None] = {}  # insertion-ordered set

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(
        self, name: str, work: Coroutine[Any, Any, None], *, context: Context | None = None
    ) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work, name=f"{self.name}:{name}", context=context)
        self._tasks[task] = None
        task.add_done_callback(self._forget)
        return task

    def every(self, seconds: float, work: Callable[[], Awaitable[object]], *, failure_event: str) -> None:
        """Runs `work` every `seconds` (after a first wait), surviving its failures."""

        async def periodic() -> None:
            await asyncio.sleep(seconds)
            await repeat_every(seconds, work, failure_event=failure_event)

        self.spawn(failure_event, periodic())

    async def wait(self) -> None:
        """Waits for the tasks running now (e.g. queued purges) without cancelling them."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        tasks = list(reversed(self._tasks))
        for task in tasks:
            task.cancel()
        for task in tasks:
            # A failure was logged when the task ended; stopping must not raise it again.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("background_task_failed", task=task.get_name(), exc_info=error)
