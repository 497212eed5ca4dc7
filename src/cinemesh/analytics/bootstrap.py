"""Composition root of the analytics service: runtime first, then the app over it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.analytics.http import ROUTERS
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher

NAME = "analytics"


def build_app(
    settings: Settings, *, bus: EventBus | None = None, jwks_fetcher: JwksFetcher | None = None
) -> FastAPI:
    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        bus=bus,
        jwks_fetcher=jwks_fetcher,
    )
    return service_app(runtime, settings=settings, routers=ROUTERS)
