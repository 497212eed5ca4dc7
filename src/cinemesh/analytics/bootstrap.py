"""Composition root of the analytics service: runtime first, then the use cases, then the app."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import FastAPI

from cinemesh.analytics.events import consumer
from cinemesh.analytics.http import beacons, reports
from cinemesh.analytics.http.deps import AnalyticsContext
from cinemesh.analytics.http.problems import ERROR_STATUSES
from cinemesh.analytics.service import AnalyticsService
from cinemesh.analytics.settings import AnalyticsSettings
from cinemesh.analytics.store.duck import DuckDBStore
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher

NAME = "analytics"
ROUTERS = (beacons.router, reports.router)


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    analytics_settings: AnalyticsSettings | None = None,
) -> FastAPI:
    analytics_settings = analytics_settings or AnalyticsSettings()
    store = DuckDBStore(analytics_settings.duckdb_path or settings.data_dir / "analytics.duckdb")
    service = AnalyticsService(
        store=store,
        max_batch_events=analytics_settings.max_batch_events,
        session_events_per_minute=analytics_settings.session_events_per_minute,
    )

    retention = dt.timedelta(days=analytics_settings.raw_retention_days)

    async def purge() -> None:
        await service.purge(now=dt.datetime.now(dt.UTC), retention=retention)

    async def start() -> None:
        await service.start(runtime.tasks)
        runtime.tasks.every(
            analytics_settings.purge_every_seconds, purge, failure_event="analytics_purge_failed"
        )

    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        subscriptions=[consumer(store)],
        on_start=[start],
        on_stop=[store.close],
        # The DuckDB file has one writing process: the consumers that fill it run here, in the
        # process that serves analytics, never in a `cinemesh worker` beside it.
        in_worker=False,
    )
    return service_app(
        runtime,
        settings=settings,
        context=AnalyticsContext(service=service, settings=analytics_settings),
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        description="Analytics: player beacons, quality of experience, engagement, business figures.",
    )
