"""Composition root of the catalog service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.catalog.api import routers
from cinemesh.catalog.service import CatalogService
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_service
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher

NAME = "catalog"


def build_app(
    settings: Settings, *, bus: EventBus | None = None, jwks_fetcher: JwksFetcher | None = None
) -> FastAPI:
    database = Database.for_service(settings, NAME)
    app, _ = build_service(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        routers=routers,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        description="Titles, their metadata and lifecycle.",
    )
    app.state.catalog_service = CatalogService(database=database)
    return app
