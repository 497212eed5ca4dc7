"""Recommendation use cases: take in history's signals, retrain the models, compose the rows.

The models live in this process's memory and are swapped whole by a retrain (a job in the
runtime's TaskSet, so the worker runs it too); the co-watch edges are also stored, so a restarted
process has them before its first retrain. A profile's own watches are read at each request and
folded into EASE (x @ B), so a new watch changes its rows without a retrain.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.discovery import store
from cinemesh.discovery.domain.documents import Audience
from cinemesh.discovery.domain.recommend.cowatch import CoWatch, edges, similarity
from cinemesh.discovery.domain.recommend.ease import EaseModel, fit_weights
from cinemesh.discovery.domain.recommend.matrix import interactions
from cinemesh.discovery.domain.recommend.rows import Composer, Models, Row, Taste
from cinemesh.discovery.domain.recommend.trending import Watch, trending
from cinemesh.discovery.domain.shelf import Shelf
from cinemesh.discovery.service import owned_profile, utc_now
from cinemesh.discovery.settings import DiscoverySettings
from cinemesh.discovery.store import signals
from cinemesh.platform.db import Database
from cinemesh.platform.errors import NotFoundError

LISTED_STRENGTH = 0.5  # a my-list add: half a finished watch


class TitleNotFoundError(NotFoundError):
    code = "title-not-found"


@dataclass(frozen=True)
class Viewer:
    audience: Audience
    profile_id: str | None = None
    personal: bool = False


@dataclass(frozen=True)
class Retrained:
    profiles: int
    titles: int
    modelled: int
    edges: int
    seconds: float


class RecommendService:
    def __init__(
        self,
        *,
        database: Database,
        shelf: Shelf,
        settings: DiscoverySettings,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.database = database
        self.shelf = shelf
        self.settings = settings
        self.clock = clock
        self.models = Models()

    # -- signals (history events) --------------------------------------------------------------

    async def record(self, session: AsyncSession, signal: signals.Signal, *, included: bool) -> None:
        if included:
            await signals.record(session, signal)

    async def removed(self, session: AsyncSession, *, profile_id: str, content_id: str | None) -> None:
        await signals.remove(session, profile_id=profile_id, content_id=content_id)

    async def listed(
        self, session: AsyncSession, *, user_id: str, profile_id: str | None, content_id: str, at: dt.datetime
    ) -> None:
        """A my-list add: a weaker interaction than a watch, for a profile discovery knows as the
        account's and whose `watch_history_included` is true; an account-wide add (no profile) or
        an id too long for a title is skipped."""
        key = signals.LISTED + content_id
        if profile_id is None or len(key) > signals.KEY_LENGTH:
            return
        view = await store.profile_view(session, profile_id=profile_id, user_id=user_id)
        if view is None or not view.personal:
            return
        signal = signals.Signal(user_id, profile_id, key, content_id, LISTED_STRENGTH, False, at)
        await signals.record(session, signal)

    async def unlisted(
        self, session: AsyncSession, *, user_id: str, profile_id: str | None, content_id: str
    ) -> None:
        await signals.unlist(session, user_id=user_id, profile_id=profile_id, content_id=content_id)

    async def account(self, session: AsyncSession, *, user_id: str, country: str) -> None:
        await signals.put_account(session, user_id=user_id, country=country)

    # -- models --------------------------------------------------------------------------------

    async def load(self) -> None:
        """The stored co-watch graph, then a first retrain."""
        async with self.database.session() as session:
            stored = await signals.all_edges(session)
        self.models = Models(ease=self.models.ease, cowatch=CoWatch.of(stored), trending=self.models.trending)
        await self.retrain()

    async def retrain(self) -> Retrained:
        started = self.clock()
        async with self.database.session() as session:
            cells = await signals.training_cells(session)
        settings = self.settings
        data = interactions(((c.profile_id, c.title_id, c.strength) for c in cells), max_items=None)
        head = interactions(
            ((c.profile_id, c.title_id, c.strength) for c in cells), max_items=settings.ease_max_items
        )

        def fit() -> tuple[EaseModel | None, list[tuple[str, str, float]]]:
            ease = None
            if head.items:
                ease = EaseModel(head.items, head.index, fit_weights(head.matrix, settings.ease_lambda))
            graph = similarity(data.matrix, k=settings.cowatch_neighbours)
            return ease, edges(data.items, graph)

        ease, graph_edges = await asyncio.to_thread(fit)
        heat = trending(
            (Watch(c.title_id, c.country, c.strength, c.at) for c in cells),
            now=self.clock(),
            half_life=dt.timedelta(hours=settings.trending_half_life_hours),
        )
        async with self.database.transaction() as session:
            await signals.replace_edges(session, graph_edges)
        self.models = Models(ease=ease, cowatch=CoWatch.of(graph_edges), trending=heat)
        seconds = (self.clock() - started).total_seconds()
        return Retrained(len(data.profiles), len(data.items), len(head.items), len(graph_edges), seconds)

    # -- viewers -------------------------------------------------------------------------------

    def _region(self, country: str | None) -> str | None:
        return country.upper() if country else self.settings.default_country

    async def viewer(self, *, user_id: str | None, country: str | None, profile_id: str | None) -> Viewer:
        region = self._region(country)
        if profile_id is None:
            return Viewer(Audience(country=region, at=self.clock()))
        found = await owned_profile(self.database, user_id=user_id, profile_id=profile_id)
        audience = Audience(country=region, at=self.clock(), max_rating=found.max_rating)
        return Viewer(audience, profile_id, found.personal)

    async def taste(self, viewer: Viewer) -> Taste:
        if viewer.profile_id is None:
            return Taste(personal=False)
        async with self.database.session() as session:
            watched = await signals.watched_by(session, viewer.profile_id)
        strengths: dict[str, float] = {}
        recent: list[str] = []
        finished: set[str] = set()
        for watch in watched:  # latest first
            strengths[watch.title_id] = max(strengths.get(watch.title_id, 0.0), watch.strength)
            if watch.title_id not in recent:
                recent.append(watch.title_id)
            if watch.finished and watch.content_id == watch.title_id:  # a film, not an episode
                finished.add(watch.title_id)
        return Taste(strengths, frozenset(finished), tuple(recent), personal=viewer.personal)

    def _composer(self, viewer: Viewer, taste: Taste, size: int | None) -> Composer:
        size = size or self.settings.row_size
        return Composer(
            shelf=self.shelf, models=self.models, audience=viewer.audience, taste=taste, size=size
        )

    # -- rows ----------------------------------------------------------------------------------

    async def home(self, viewer: Viewer, *, size: int | None = None) -> list[Row]:
        return self._composer(viewer, await self.taste(viewer), size).home()

    async def similar(self, viewer: Viewer, title_id: str, *, size: int | None = None) -> Row:
        if self.shelf.visible(title_id, viewer.audience) is None:
            raise TitleNotFoundError(f"No title {title_id} for this viewer.", field="title_id")
        return self._composer(viewer, await self.taste(viewer), size).more_like(title_id)

    async def trending(self, viewer: Viewer, *, size: int | None = None) -> Row | None:
        return self._composer(viewer, await self.taste(viewer), size).trending(dedupe=False)
