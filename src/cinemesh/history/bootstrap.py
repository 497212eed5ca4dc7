"""Composition root of viewing history: the runtime first, then the use cases, then the app."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from fastapi import FastAPI

from cinemesh.history.events import consumer
from cinemesh.history.http import export, next_up, progress, stream
from cinemesh.history.http.deps import HistoryContext
from cinemesh.history.http.problems import ERROR_STATUSES
from cinemesh.history.live import ProfileHub
from cinemesh.history.series_service import SeriesService
from cinemesh.history.service import HistoryService
from cinemesh.history.settings import HistorySettings
from cinemesh.history.shards import HistoryShards
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.termination import on_termination
from cinemesh.platform.tokens import JwksFetcher

NAME = "history"
ROUTERS = (progress.router, next_up.router, export.router, stream.router)
MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    history_settings: HistorySettings | None = None,
) -> FastAPI:
    history_settings = history_settings or HistorySettings()
    database = Database.for_service(settings, NAME)
    shards = HistoryShards(primary=database, urls=history_settings.shards)
    service = HistoryService(
        shards=shards,
        rules=history_settings.rules(),
        progress_event_every=dt.timedelta(seconds=history_settings.progress_event_seconds),
    )
    series = SeriesService(history=service)
    hub = ProfileHub()
    service.on_change(hub.publish)

    async def start() -> None:
        await shards.start(service=NAME, migrations=MIGRATIONS, bus=runtime.bus)
        # Open streams end at SIGTERM so the server is not held up by them (clients reconnect).
        on_termination(hub.close, asyncio.get_running_loop())

    async def stop() -> None:
        hub.close()
        await shards.stop()

    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=MIGRATIONS,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=[consumer(service, series)],
        on_start=[start],
        on_stop=[stop],
    )
    return service_app(
        runtime,
        settings=settings,
        context=HistoryContext(service=service, hub=hub, settings=history_settings, series=series),
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        description="Viewing history: resume points, continue watching, watched history, live sync.",
    )
