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
