"""Catalog, history and discovery in-process on one embedded event log: titles are published
through the catalog's API, viewers watch through history (players' progress reports on the bus,
history's own progress and watched events out of its outbox), and recommendations learn from
those events only."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from cinemesh.contracts.delivery import PlaybackProgressV1
from cinemesh.contracts.users import ProfileChangedV1
from cinemesh.discovery.http.deps import DiscoveryContext
from cinemesh.discovery.service.recommend import RecommendService
from cinemesh.discovery.store.signals import watched_by
from cinemesh.history.bootstrap import build_app as build_history
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer
from tests.integration.catalog.conftest import Catalog, eventually, running_catalog
from tests.integration.discovery.conftest import Discovery, running_discovery


@dataclass
class Profile:
    user_id: str
    profile_id: str
    kids: bool = False


@dataclass
class Platform:
    discovery: Discovery

    @property
    def catalog(self) -> Catalog:
        return self.discovery.catalog

    @property
    def recommend(self) -> RecommendService:
        context = self.discovery.app.state.context
        assert isinstance(context, DiscoveryContext)
        return context.recommend

    async def profile(
        self, *, user_id: str | None = None, kids: bool = False, included: bool = True
    ) -> Profile:
        found = Profile(user_id or new_id_str(), new_id_str(), kids)
        await self.change(found, included=included)
        return found

    async def change(self, profile: Profile, *, included: bool = True, change: str = "created") -> None:
        event = ProfileChangedV1(
            user_id=profile.user_id, profile_id=profile.profile_id, change=change,
            name="Kid" if profile.kids else "Grown-up", is_kids=profile.kids, is_main=not profile.kids,
            max_maturity_rating=None, pin_required=False, changed_at=dt.datetime.now(dt.UTC),
            watch_history_included=included,
        )  # fmt: skip
        await self.catalog.publish(event)

        async def known() -> bool:
            response = await self.home(profile)
            return response.status_code == 200

        await eventually(known, what="the profile to reach discovery")

    async def watch(self, profile: Profile, title_id: str, *, share: float = 0.96) -> None:
        """A player's report at `share` of a 1000 s film (past 95 %: watched to the end)."""
        await self.catalog.publish(
            PlaybackProgressV1(
                session_id=new_id_str(), user_id=profile.user_id, profile_id=profile.profile_id,
                device_id="tv", content_id=title_id, title_id=title_id, content_type="movie",
                video_id=title_id, position_seconds=1000 * share, duration_seconds=1000.0,
                trailer=False, sequence=1, reported_at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip

    async def learnt(self, profile: Profile, count: int) -> None:
        """Waits until discovery stored `count` of the profile's watches (history's events)."""

        async def arrived() -> bool:
            async with self.recommend.database.session() as session:
                return len(await watched_by(session, profile.profile_id)) >= count

        await eventually(arrived, what=f"{count} watches of {profile.profile_id} in discovery")

    def auth(self, profile: Profile) -> dict[str, str]:
        return self.catalog.auth(user_id=profile.user_id)

    async def home(self, profile: Profile, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.discovery.client.get(
            "/api/v1/recommendations/home",
            params={"profile_id": profile.profile_id},
            headers=headers if headers is not None else self.auth(profile),
        )

    async def rows(self, profile: Profile) -> dict[str, list[str]]:
        """Row id -> the titles' names, as the profile's home shows them."""
        response = await self.home(profile)
        assert response.status_code == 200, response.text
        return {row["id"]: [item["title"] for item in row["items"]] for row in response.json()["rows"]}


@asynccontextmanager
async def running_platform(settings: Settings) -> AsyncIterator[Platform]:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)

    async def jwks() -> dict[str, Any]:
        return issuer.jwks()

    history = build_history(settings, jwks_fetcher=jwks)
    async with (
        running_catalog(settings, issuer) as catalog,
        history.router.lifespan_context(history),
        running_discovery(settings, catalog) as discovery,
    ):
        yield Platform(discovery)
