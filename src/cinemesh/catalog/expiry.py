"""The scheduled job that expires published titles whose last availability window has closed.

Safe with several processes running it: each title expires in its own transaction under the
title's optimistic lock, so when two processes race, one wins and the other skips the title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm.exc import StaleDataError

from cinemesh.catalog import changes
from cinemesh.catalog.aggregate import windows_of_row
from cinemesh.catalog.domain import Action, TitleStatus, all_windows_closed, next_status
from cinemesh.catalog.service import UNPUBLISH_REASONS, utcnow
from cinemesh.catalog.store import TitleStore
from cinemesh.platform.background import BackgroundTask, repeat_every
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.catalog.expiry")


async def expire_due_titles(database: Database, *, now: dt.datetime | None = None) -> list[str]:
    """Expires every title due at `now`; returns the ids this call expired."""
    at = now or utcnow()
    async with database.session() as session:
        candidates = await TitleStore(session).expiry_candidates(at)
    expired = []
    for title_id in candidates:
        try:
            async with database.transaction() as session:
                row = await TitleStore(session).get(title_id)
                # Re-checked inside the transaction: an editor may have just opened a new window.
                if row is None or row.status != TitleStatus.PUBLISHED:
                    continue
                if not all_windows_closed(windows_of_row(row, row.id), at):
                    continue
                row.status = next_status(TitleStatus.PUBLISHED, Action.EXPIRE)
                row.updated_at = at
                await changes.record_change(
                    session, row, changes.unpublished(row, UNPUBLISH_REASONS[Action.EXPIRE], at)
                )
            expired.append(title_id)
        except StaleDataError:
            log.info("expiry_lost_race", title_id=title_id)  # another process or an editor won
    if expired:
        log.info("titles_expired", count=len(expired))
    return expired


class ExpiryJob:
    """Runs `expire_due_titles` every `interval` seconds between `start` and `stop`."""

    def __init__(
        self, database: Database, *, interval: float, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.database = database
        self.interval = interval
        self.clock = clock
        self._task = BackgroundTask("catalog-expiry")

    async def start(self) -> None:
        self._task.start(
            lambda: repeat_every(self.interval, self.run_once, failure_event="expiry_run_failed")
        )

    async def stop(self) -> None:
        await self._task.stop()

    async def run_once(self) -> None:
        await expire_due_titles(self.database, now=self.clock())
