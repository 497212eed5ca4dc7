"""Notices commits that other processes make to the embedded event log, at near-zero idle cost.

Publishes in this process wake fetchers directly. Another process (a `cinemesh worker`, a CLI
replay) can only be noticed by looking, so one watcher per bus asks SQLite's `data_version` (a
counter the library bumps when another connection commits: no table is read) and wakes every
fetcher when it moves. It looks often right after a change and backs off while nothing happens,
so an idle server does not spin, and a burst from another process is still followed closely.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from cinemesh.platform.background import BackgroundTask


class ExternalChangeWatch:
    def __init__(
        self,
        *,
        version: Callable[[], Awaitable[int]],
        on_change: Callable[[], None],
        fastest: float,
        slowest: float,
    ) -> None:
        self._version = version
        self._on_change = on_change
        self.fastest = fastest
        self.slowest = max(slowest, fastest)
        self._task = BackgroundTask("event-log-watch")

    def start(self) -> None:
        self._task.start(self._watch)

    async def stop(self) -> None:
        await self._task.stop()

    async def _watch(self) -> None:
        seen = await self._version()
        interval = self.fastest
        while True:
            await asyncio.sleep(interval)
            try:
                version = await self._version()
            except Exception:  # a locked or closing database: look again later
                interval = self.slowest
                continue
            if version != seen:
                seen = version
                interval = self.fastest
                self._on_change()
            else:
                interval = min(interval * 2, self.slowest)
