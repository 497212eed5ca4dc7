"""Composition root of the delivery service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.delivery.api import routers
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_service
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher

NAME = "delivery"


def build_app(
    settings: Settings, *, bus: EventBus | None = None, jwks_fetcher: JwksFetcher | None = None
) -> FastAPI:
    app, _ = build_service(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        routers=routers,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
    )
    return app
