"""Composition root of the media service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.contracts.catalog import CATALOG_TOPIC
from cinemesh.media.api import routers
from cinemesh.media.events import CATALOG_GROUP, on_catalog_event, reset_titles
from cinemesh.media.jobs.worker import JobWorker
from cinemesh.media.live import LiveSettings, LiveVideos
from cinemesh.media.service import MediaService
from cinemesh.media.settings import MediaSettings
from cinemesh.media.tus.api import PREFIX as UPLOADS_PREFIX
from cinemesh.media.tus.expiry import UploadSweeper
from cinemesh.media.tus.spool import Spool
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.runtime import ConsumerSpec
from cinemesh.platform.service_app import build_service
from cinemesh.platform.settings import Settings
from cinemesh.platform.storage import build_object_store
from cinemesh.platform.tokens import JwksFetcher

NAME = "media"

SUBSCRIPTIONS = (ConsumerSpec(CATALOG_GROUP, [CATALOG_TOPIC], on_catalog_event, reset=reset_titles),)


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    media_settings: MediaSettings | None = None,
    live_settings: LiveSettings | None = None,
) -> FastAPI:
    media_settings = media_settings or MediaSettings()
    database = Database.for_service(settings, NAME)
    store = build_object_store(settings)
    media_root = settings.data_dir / "media"
    spool = Spool(media_settings.spool_dir or media_root / "uploads")
    work_root = media_settings.work_dir or media_root / "work"
    workers = [
        JobWorker(database=database, store=store, settings=media_settings, work_root=work_root, index=index)
        for index in range(media_settings.workers)
    ]
    sweeper = UploadSweeper(database=database, spool=spool, settings=media_settings)

    # The runtime's bus (shared in-process, or the service's own), looked up once it exists.
    live = LiveVideos(database=database, bus=lambda: runtime.bus, settings=live_settings)

    async def start() -> None:
        await store.ensure_ready()
        work_root.mkdir(parents=True, exist_ok=True)
        for worker in workers:
            await worker.start()

    async def stop() -> None:
        # First: open progress streams end now, so a server waiting for them can finish.
        await live.close()
        for worker in workers:
            await worker.stop()
        await store.close()

    app, runtime = build_service(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        routers=routers,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=SUBSCRIPTIONS,
        on_start=[start, sweeper.start],
        on_stop=[stop, sweeper.stop],
        body_limit_exempt_prefixes=(UPLOADS_PREFIX,),
        description="Resumable uploads, probing, the ABR ladder, CMAF packaging, thumbnails.",
    )

    def wake_workers() -> None:
        for worker in workers:
            worker.wake()

    app.state.media_service = MediaService(
        database=database, store=store, spool=spool, settings=media_settings, on_job_queued=wake_workers
    )
    app.state.media_workers = workers
    app.state.media_live = live
    return app
