"""Use cases of the read side: what viewers see of the catalog, from the read model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cinemesh.catalog.domain.errors import TitleNotFoundError
from cinemesh.catalog.read.domain.documents import Audience, BrowseFilters, viewer_view, visible
from cinemesh.catalog.read.domain.search import SearchQuery
from cinemesh.catalog.read.store import browse as browse_store
from cinemesh.catalog.read.store import documents
from cinemesh.catalog.read.store.profiles import ProfileLimit, profile_limit
from cinemesh.platform.db import Database

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BrowseService:
    def __init__(self, *, database: Database, clock: Clock = utcnow) -> None:
        self.database = database
        self.clock = clock

    async def profile_limit(self, *, profile_id: str, user_id: str) -> ProfileLimit | None:
        """The profile's maturity limit, or None when it is not the caller's (or unknown)."""
        async with self.database.session() as session:
            return await profile_limit(session, profile_id=profile_id, user_id=user_id)

    async def viewer_document(self, *, audience: Audience, title_id: str) -> dict[str, Any]:
        async with self.database.session() as session:
            document = await documents.document(session, title_id)
        if document is None or not visible(document, audience):
            raise TitleNotFoundError(title_id)  # out of region, window or rating looks like no title
        return viewer_view(document, country=audience.country, at=audience.at)

    async def browse(
        self,
        *,
        audience: Audience,
        filters: BrowseFilters,
        sort: str,
        after: tuple[str, str] | None,
        limit: int,
        text: SearchQuery | None = None,
    ) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
        async with self.database.session() as session:
            return await browse_store.browse(
                session, audience=audience, filters=filters, sort=sort, after=after, limit=limit, text=text
            )

    async def genres(self, *, audience: Audience) -> list[dict[str, Any]]:
        async with self.database.session() as session:
            return await browse_store.genres(session, audience=audience)
