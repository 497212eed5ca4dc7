"""The write side's background work: the expiry sweep, in the runtime's task set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cinemesh.catalog.write.service.editing import utcnow
from cinemesh.catalog.write.service.expiry import expire_due_titles
from cinemesh.platform.background import TaskSet, repeat_every
from cinemesh.platform.db import Database


class ExpiryJob:
    """Runs `expire_due_titles` at start and then every `interval` seconds, in `tasks`."""

    def __init__(
        self, database: Database, *, interval: float, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.database = database
        self.interval = interval
        self.clock = clock

    def start(self, tasks: TaskSet) -> None:
        tasks.spawn(
            "catalog-expiry",
            repeat_every(self.interval, self.run_once, failure_event="expiry_run_failed"),
        )

    async def run_once(self) -> None:
        await expire_due_titles(self.database, now=self.clock())
