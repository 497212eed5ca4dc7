"""Search use cases: keep the index in step with the catalog, answer a viewer's queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.discovery import store
from cinemesh.discovery.domain.documents import Audience, search_document
from cinemesh.discovery.domain.search import Filters, Query, SearchRequest, SearchResult
from cinemesh.discovery.domain.shelf import Shelf
from cinemesh.discovery.engine.port import SearchEngine
from cinemesh.discovery.store import signals
from cinemesh.platform.db import Database
from cinemesh.platform.errors import NotFoundError, RuleViolation

REFRESH_OVERLAP = dt.timedelta(seconds=5)


class ProfileNotFoundError(NotFoundError):
    code = "profile-not-found"


class AuthenticationRequiredError(RuleViolation):
    code = "authentication-required"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def owned_profile(database: Database, *, user_id: str | None, profile_id: str) -> store.ProfileView:
    """The caller's profile: 401 without a caller, 404 when it is not theirs (or unknown)."""
    if user_id is None:
        raise AuthenticationRequiredError("A profile needs an access token.", field="profile_id")
    async with database.session() as session:
        found = await store.profile_view(session, profile_id=profile_id, user_id=user_id)
    if found is None:
        raise ProfileNotFoundError(f"No profile {profile_id} on this account.", field="profile_id")
    return found


class SearchService:
    def __init__(
        self,
        *,
        database: Database,
        engine: SearchEngine,
        default_country: str | None,
        clock: Callable[[], dt.datetime] = utc_now,
        shelf: Shelf | None = None,
    ) -> None:
        self.database = database
        self.engine = engine
        # Recommendations' titles: kept in step with the index from the same snapshots.
        self.shelf = shelf if shelf is not None else Shelf()
        self.default_country = default_country
        self.clock = clock
        self._watermark: dt.datetime | None = None

    # -- the index -----------------------------------------------------------------------------

    async def load(self) -> int:
        """Fills the index from the stored snapshots (at start: no replay after a restart)."""
        started = self.clock()
        loaded = 0
        async with self.database.session() as session:
            async for batch in store.all_documents(session):
                loaded += self.engine.upsert(search_document(document) for document in batch)
                self.shelf.upsert(batch)
        self._watermark = started
        return loaded

    async def refresh(self) -> int:
        """Takes in what another process of the service stored (a worker shares the consumer
        group, so this process may not see every event); a few seconds overlap for clock skew."""
        if self._watermark is None:
            return await self.load()
        started = self.clock()
        async with self.database.session() as session:
            stored = await store.stored_since(session, self._watermark - REFRESH_OVERLAP)
            newer = [title_id for title_id, version in stored if self.engine.version_of(title_id) < version]
            documents = await store.documents_of(session, newer) if newer else []
        self._watermark = started
        self.shelf.upsert(documents)
        return self.engine.upsert(search_document(document) for document in documents)

    async def apply_documents(self, session: AsyncSession, documents: list[dict[str, Any]]) -> None:
        fresh = await store.newer_documents(session, documents, now=self.clock())
        self.engine.upsert(search_document(document) for document in fresh)
        self.shelf.upsert(fresh)

    async def reset(self, session: AsyncSession) -> None:
        await store.clear_titles(session)
        self.engine.clear()
        self.shelf.clear()

    # -- viewers -------------------------------------------------------------------------------

    async def audience(self, *, user_id: str | None, country: str | None, profile_id: str | None) -> Audience:
        """Browse's audience: the account's region (or the default) and the profile's limit."""
        region = country.upper() if country else self.default_country
        if profile_id is None:
            return Audience(country=region, at=self.clock())
        found = await owned_profile(self.database, user_id=user_id, profile_id=profile_id)
        return Audience(country=region, at=self.clock(), max_rating=found.max_rating)

    def search(
        self,
        *,
        audience: Audience,
        query: Query,
        filters: Filters,
        offset: int,
        limit: int,
        facets: bool = True,
    ) -> SearchResult:
        return self.engine.search(
            SearchRequest(
                query=query, audience=audience, filters=filters, offset=offset, limit=limit, facets=facets
            )
        )

    # -- profiles (users events) ---------------------------------------------------------------

    async def profile_changed(
        self,
        session: AsyncSession,
        *,
        profile_id: str,
        user_id: str,
        is_kids: bool,
        max_rating: str | None,
        deleted: bool,
        watch_history_included: bool = True,
    ) -> None:
        if deleted:
            await store.delete_profiles(session, profile_id=profile_id)
            await signals.erase_profile(session, profile_id=profile_id)
        else:
            await store.put_profile(
                session,
                profile_id=profile_id,
                user_id=user_id,
                is_kids=is_kids,
                max_rating=max_rating,
                watch_history_included=watch_history_included,
            )

    async def user_deleted(self, session: AsyncSession, *, user_id: str) -> None:
        await store.delete_profiles(session, user_id=user_id)
        await signals.erase_user(session, user_id=user_id)
