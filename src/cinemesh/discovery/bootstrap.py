"""Composition root of the discovery service: runtime first, then the index and the use cases
over it, then the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.discovery.domain.shelf import Shelf
from cinemesh.discovery.engine.memory import MemoryIndex
from cinemesh.discovery.events import consumers
from cinemesh.discovery.http import recommendations, search
from cinemesh.discovery.http.cursor import Cursors
from cinemesh.discovery.http.deps import DiscoveryContext
from cinemesh.discovery.http.problems import ERROR_STATUSES
from cinemesh.discovery.jobs import schedule_retrain
from cinemesh.discovery.service import SearchService
from cinemesh.discovery.service.recommend import RecommendService
from cinemesh.discovery.settings import DiscoverySettings
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.logging import get_logger
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher

NAME = "discovery"
ROUTERS = (search.router, recommendations.router)
MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger("cinemesh.discovery")


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    discovery_settings: DiscoverySettings | None = None,
) -> FastAPI:
    discovery_settings = discovery_settings or DiscoverySettings()
    database = Database.for_service(settings, NAME)
    shelf = Shelf()
    search_service = SearchService(
        database=database,
        engine=MemoryIndex(),
        default_country=discovery_settings.default_country,
        shelf=shelf,
    )
    recommend = RecommendService(database=database, shelf=shelf, settings=discovery_settings)

    async def load_index() -> None:
        loaded = await search_service.load()
        log.info("search_index_loaded", titles=loaded)
        # A worker may consume in this process's group: what it stores is taken in from the table.
        runtime.tasks.every(
            discovery_settings.refresh_seconds,
            search_service.refresh,
            failure_event="search_index_refresh_failed",
        )

    async def load_models() -> None:
        schedule_retrain(runtime.tasks, recommend, every_seconds=discovery_settings.retrain_seconds)

    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=MIGRATIONS,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=consumers(search_service, recommend),
        on_start=[load_index, load_models],
    )
    return service_app(
        runtime,
        settings=settings,
        context=DiscoveryContext(
            search=search_service,
            settings=discovery_settings,
            cursors=Cursors(max_offset=discovery_settings.max_offset),
            recommend=recommend,
        ),
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        description="Discovery: typo-tolerant, faceted search of the titles a viewer may watch, and "
        "personalized recommendations (top picks, because you watched, trending, new, similar).",
    )
