"""Composition root of the catalog: the runtime first, then the use cases, then the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.catalog.http import browse, editor_titles, images, imports, titles
from cinemesh.catalog.http.cursor import CursorCodec
from cinemesh.catalog.http.deps import CatalogContext
from cinemesh.catalog.http.problems import ERROR_STATUSES
from cinemesh.catalog.http.viewer import EdgeTrust
from cinemesh.catalog.read.events import profiles_consumer, read_model_consumer
from cinemesh.catalog.read.service import BrowseService
from cinemesh.catalog.settings import CatalogSettings
from cinemesh.catalog.write.events import MEDIA_GROUP, MediaEvents
from cinemesh.catalog.write.jobs import ExpiryJob
from cinemesh.catalog.write.service.editing import CatalogService
from cinemesh.catalog.write.service.images import ImageLibrary
from cinemesh.catalog.write.service.import_jobs import ImportJobs
from cinemesh.catalog.write.service.importer import Importer
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.handlers import EventHandlers
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.storage import build_object_store
from cinemesh.platform.tokens import JwksFetcher

NAME = "catalog"
MIGRATIONS = Path(__file__).parent / "migrations"
# Imports and editing before browse: `/api/v1/titles/import...` must not be read as a title id.
ROUTERS = (imports.router, titles.router, images.router, browse.router, editor_titles.router)


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    catalog_settings: CatalogSettings | None = None,
) -> FastAPI:
    catalog_settings = catalog_settings or CatalogSettings()
    database = Database.for_service(settings, NAME)
    object_store = build_object_store(settings)
    service = CatalogService(database=database)
    importer = Importer(database=database)
    import_jobs = ImportJobs(database=database, importer=importer)
    expiry = ExpiryJob(database, interval=catalog_settings.expiry_interval_seconds)

    async def start_jobs() -> None:
        expiry.start(runtime.tasks)

    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=MIGRATIONS,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=[
            read_model_consumer(),
            EventHandlers.collect(MediaEvents()).consumer(MEDIA_GROUP),
            profiles_consumer(),
        ],
        on_start=[object_store.ensure_ready, start_jobs],
        on_stop=[object_store.close, import_jobs.stop],
    )
    context = CatalogContext(
        service=service,
        browsing=BrowseService(database=database),
        importer=importer,
        import_jobs=import_jobs,
        settings=catalog_settings,
        cursors=CursorCodec(settings.secret_key.get_secret_value().encode()),
        edge=EdgeTrust(catalog_settings),
        images=ImageLibrary(service=service, store=object_store, max_bytes=catalog_settings.max_image_bytes),
    )
    return service_app(
        runtime,
        settings=settings,
        context=context,
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        # Imports and images are larger than ordinary JSON; their routes check their own limits.
        max_body_bytes=max(
            settings.max_request_body_bytes,
            catalog_settings.max_import_bytes,
            catalog_settings.max_image_bytes,
        ),
        description="Titles, their metadata, availability and lifecycle; browse and detail.",
    )
