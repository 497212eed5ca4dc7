"""Expiring published titles whose last availability window has closed (run by `jobs.py`).

Safe with several processes running it: each title expires in its own transaction under the
title's optimistic lock, so when two processes race, one wins and the other skips the title.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm.exc import StaleDataError

from cinemesh.catalog.domain.titles import Action, TitleStatus, all_windows_closed, next_status
from cinemesh.catalog.write import publishing
from cinemesh.catalog.write.service.aggregate import windows_of_row
from cinemesh.catalog.write.service.editing import UNPUBLISH_REASONS, utcnow
from cinemesh.catalog.write.store.titles import TitleStore
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
                await publishing.record_change(
                    session, row, publishing.unpublished(row, UNPUBLISH_REASONS[Action.EXPIRE], at)
                )
            expired.append(title_id)
        except StaleDataError:
            log.info("expiry_lost_race", title_id=title_id)  # another process or an editor won
    if expired:
        log.info("titles_expired", count=len(expired))
    return expired
