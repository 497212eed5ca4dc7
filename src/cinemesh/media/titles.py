"""Which catalog title an upload may name.

Media checks an upload's `title_id` against its projection of the catalog's events
(`events.py`): the title must exist, be the uploader's own (a content provider may upload only
to titles it created, the catalog's rule for editing; admins to any), and not be archived. A
title created a moment ago may not have reached media yet, so creation waits for it up to
`title_wait_seconds` before refusing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from cinemesh.media.events import TITLES_CHANGED
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import ContentStore, KnownContentRow
from cinemesh.media.tus.protocol import tus_headers
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.media")
# While waiting for a title, the projection is re-read this often even without a wake-up from
# this process: the consumer that applies it may run in another process (`cinemesh worker`).
TITLE_POLL_SECONDS = 0.1
ARCHIVED = "archived"  # the catalog's terminal status


class Signal:
    """Wakes every waiter at once; a waiter takes `current` before it looks, so a notification
    between the look and the wait is not lost."""

    def __init__(self) -> None:
        self.current = asyncio.Event()

    def notify(self) -> None:
        self.current.set()
        self.current = asyncio.Event()


def _unknown_title(title_id: str) -> Problem:
    # The same answer for a title that does not exist and one the caller may not upload to, as
    # the catalog answers 404 for another provider's title (no probing for ids).
    detail = f"No title {title_id} that you may upload to."
    return Problem(
        404,
        detail,
        code="title-not-found",
        field="title_id",
        errors=[{"field": "title_id", "in": "Upload-Metadata", "message": detail, "type": "not_found"}],
        headers=tus_headers(),
    )


class TitleGate:
    def __init__(self, *, database: Database, settings: MediaSettings) -> None:
        self.database = database
        self.settings = settings
        self._changed = Signal()
        # The catalog consumer's commits in this process wake uploads waiting for their title.
        database.on_commit_with(TITLES_CHANGED, self._changed.notify)

    async def require(self, principal: Principal, title_id: str) -> KnownContentRow:
        """The title exists in media's projection (waiting a bounded time for it), is the
        uploader's own (or the uploader is an admin) and is not archived."""
        deadline = time.monotonic() + self.settings.title_wait_seconds
        content: KnownContentRow | None = None
        while True:
            changed = self._changed.current
            async with self.database.session() as session:
                content = await ContentStore(session).get(title_id)
            remaining = deadline - time.monotonic()
            if content is not None or remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, TITLE_POLL_SECONDS))
        if content is None:
            log.info("upload_refused_unknown_title", title_id=title_id)
            raise _unknown_title(title_id)
        if not principal.has_any_role("admin") and content.owner_id != principal.user_id:
            log.info("upload_refused_foreign_title", title_id=title_id, user_id=principal.user_id)
            raise _unknown_title(title_id)
        if content.status == ARCHIVED:
            raise Problem(
                409,
                f"Title {title_id} is archived; it takes no new videos.",
                code="title-archived",
                field="title_id",
                headers=tus_headers(),
            )
        return content
