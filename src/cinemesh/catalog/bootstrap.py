"""Composition root of the catalog service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.catalog.api import routers
from cinemesh.catalog.cursor import CursorCodec
from cinemesh.catalog.deps import CatalogContext
from cinemesh.catalog.events import (
    MEDIA_GROUP,
    PROFILES_GROUP,
    READ_MODEL_GROUP,
    on_catalog_batch,
    on_catalog_event,
    on_media_event,
)
from cinemesh.catalog.expiry import ExpiryJob
from cinemesh.catalog.images import ImageLibrary
from cinemesh.catalog.import_jobs import ImportJobs
from cinemesh.catalog.importer import Importer
from cinemesh.catalog.profiles import on_users_event, reset_profiles
from cinemesh.catalog.read_model import reset_documents
from cinemesh.catalog.service import CatalogService
from cinemesh.catalog.settings import CatalogSettings
from cinemesh.catalog.viewer import EdgeTrust
from cinemesh.contracts.catalog import CATALOG_TOPIC
from cinemesh.contracts.media import MEDIA_TOPIC
from cinemesh.contracts.users import USERS_TOPIC
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.runtime import ConsumerSpec
from cinemesh.platform.service_app import build_service
from cinemesh.platform.settings import Settings
from cinemesh.platform.storage import build_object_store
from cinemesh.platform.tokens import JwksFetcher

NAME = "catalog"

SUBSCRIPTIONS = (
    ConsumerSpec(
        READ_MODEL_GROUP,
        [CATALOG_TOPIC],
        on_catalog_event,
        reset=reset_documents,
        batch_handler=on_catalog_batch,
    ),
    ConsumerSpec(MEDIA_GROUP, [MEDIA_TOPIC], on_media_event),
    ConsumerSpec(PROFILES_GROUP, [USERS_TOPIC], on_users_event, reset=reset_profiles),
)


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    catalog_settings: CatalogSettings | None = None,
) -> FastAPI:
    catalog_settings = catalog_settings or CatalogSettings()
    database = Database.for_service(settings, NAME)
    service = CatalogService(database=database)
    object_store = build_object_store(settings)
    expiry = ExpiryJob(database, interval=catalog_settings.expiry_interval_seconds)
    importer = Importer(database=database)
    import_jobs = ImportJobs(database=database, importer=importer)

    app, _ = build_service(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        routers=routers,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=SUBSCRIPTIONS,
        on_start=[object_store.ensure_ready, expiry.start],
        on_stop=[object_store.close, expiry.stop, import_jobs.stop],
        # Imports and images are larger than ordinary JSON; their routes check their own limits.
        max_body_bytes=max(
            settings.max_request_body_bytes,
            catalog_settings.max_import_bytes,
            catalog_settings.max_image_bytes,
        ),
        description="Titles, their metadata, availability and lifecycle; browse and detail.",
    )
    app.state.catalog = CatalogContext(
        service=service,
        importer=importer,
        import_jobs=import_jobs,
        settings=catalog_settings,
        cursors=CursorCodec(settings.secret_key.get_secret_value().encode()),
        edge=EdgeTrust(catalog_settings),
        images=ImageLibrary(service=service, store=object_store, max_bytes=catalog_settings.max_image_bytes),
    )
    return app
