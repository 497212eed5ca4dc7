"""Which catalog title an upload may name, and the projection of the catalog's titles it is
checked against.

Media checks an upload's `title_id` against the catalog without calling it: it keeps a small
projection (`catalog_contents`) of the catalog's full-document snapshots
(`catalog.title.updated.v1`, recorded with every catalog write, creation included; `events.py`
hands them to `title_updated`). The document carries what media needs: the title's id, its
episodes' ids, `created_by` and `status`. The title must exist, be the uploader's own (a content
provider may upload only to titles it created, the catalog's rule for editing; admins to any),
and not be archived. A title created a moment ago may not have reached media yet, so creation
waits for it up to `title_wait_seconds` before refusing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.media.domain.uploads import TitleArchivedError, TitleNotFoundError
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store.videos import ContentStore, KnownContentRow
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.media")
# While waiting for a title, the projection is re-read this often even without a wake-up from
# this process: the consumer that applies it may run in another process (`cinemesh worker`).
TITLE_POLL_SECONDS = 0.1
ARCHIVED = "archived"  # the catalog's terminal status
# Set on a session that changed the projection: its commit wakes uploads waiting for a title.
TITLES_CHANGED = "media.titles_changed"


def content_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The projection rows of one title document: the title, then each episode."""
    title_id = str(document["id"])
    common = {
        "title_id": title_id,
        "owner_id": document.get("created_by"),
        "status": str(document.get("status") or "draft"),
        "version": int(document.get("version") or 0),
    }
    seasons = document.get("seasons") or []
    episode_ids = [str(episode["id"]) for season in seasons for episode in season.get("episodes") or []]
    return [{"content_id": content_id, **common} for content_id in (title_id, *episode_ids)]


async def title_updated(session: AsyncSession, *, title_id: str, document: dict[str, Any]) -> None:
    """A catalog snapshot of `title_id` into the projection, unless it holds a newer one."""
    rows = content_rows(document)
    contents = ContentStore(session)
    stored = await contents.version_of(title_id)
    # Snapshots carry the write model's optimistic-lock version: a redelivered or older one
    # never regresses the projection.
    if stored is not None and stored >= rows[0]["version"]:
        return
    await contents.replace_title(title_id, rows)
    session.info[TITLES_CHANGED] = True


async def reset_titles(session: AsyncSession) -> None:
    """Empties the projection before `cinemesh events replay media.catalog-titles` rebuilds it."""
    await ContentStore(session).clear()


class Signal:
    """Wakes every waiter at once; a waiter takes `current` before it looks, so a notification
    between the look and the wait is not lost."""

    def __init__(self) -> None:
        self.current = asyncio.Event()

    def notify(self) -> None:
        self.current.set()
        self.current = asyncio.Event()


def _unknown_title(title_id: str) -> TitleNotFoundError:
    # The same answer for a title that does not exist and one the caller may not upload to, as
    # the catalog answers 404 for another provider's title (no probing for ids).
    return TitleNotFoundError(f"No title {title_id} that you may upload to.", field="title_id")


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
            raise TitleArchivedError(
                f"Title {title_id} is archived; it takes no new videos.", field="title_id"
            )
        return content
