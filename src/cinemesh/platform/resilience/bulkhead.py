"""Bulkhead: a bounded number of concurrent calls per upstream, with a bounded waiting line.

One slow upstream must not absorb every connection and task of the gateway. Past
`max_concurrent` calls, up to `max_queue` callers wait (at most `queue_timeout` seconds each);
anyone beyond that is refused at once with `BulkheadFullError`, which a server maps to 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")


class BulkheadFullError(Exception):
    """No slot was free and the waiting line was full (or the wait timed out)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"bulkhead {name!r} is full: {reason}")
        self.name = name


class Bulkhead:
    def __init__(
        self,
        name: str,
        *,
        max_concurrent: int,
        max_queue: int = 0,
        queue_timeout: float | None = None,
    ) -> None:
        if max_concurrent < 1 or max_queue < 0:
            raise ValueError("max_concurrent must be >= 1 and max_queue >= 0")
        self.name = name
        self._max_queue = max_queue
        self._queue_timeout = queue_timeout
        self._semaphore = asyncio.Semaphore(max_concurrent)
        self._active = 0
        self._waiting = 0

    @property
    def active(self) -> int:
        return self._active

    @property
    def waiting(self) -> int:
        return self._waiting

    async def acquire(self) -> None:
        # `locked()` is also true while others are queued, so a newcomer never jumps the line.
        if self._semaphore.locked():
            if self._waiting >= self._max_queue:
                raise BulkheadFullError(self.name, f"{self._active} running, {self._waiting} waiting")
            self._waiting += 1
            try:
                async with asyncio.timeout(self._queue_timeout):
                    await self._semaphore.acquire()
            except TimeoutError:
                raise BulkheadFullError(self.name, f"no slot within {self._queue_timeout}s") from None
            finally:
                self._waiting -= 1
        else:
            await self._semaphore.acquire()  # a free slot: returns without suspending
        self._active += 1

    def release(self) -> None:
        self._active -= 1
        self._semaphore.release()

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        await self.acquire()
        try:
            return await fn()
        finally:
            self.release()

    async def __aenter__(self) -> Bulkhead:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
