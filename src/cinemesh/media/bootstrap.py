"""Composition root of the media service: the runtime first, then the use cases, the workers
and the live streams over it, then the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cinemesh.media.events import consumer
from cinemesh.media.http import uploads, videos
from cinemesh.media.http.deps import MediaContext
from cinemesh.media.http.live import LiveVideos
from cinemesh.media.http.problems import ERROR_STATUSES
from cinemesh.media.jobs.sweeper import UploadSweeper
from cinemesh.media.jobs.worker import JobWorker
from cinemesh.media.service.uploads import UploadService
from cinemesh.media.service.videos import VideoService
from cinemesh.media.settings import LiveSettings, MediaSettings
from cinemesh.media.store.spool import Spool
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.storage import build_object_store
from cinemesh.platform.tokens import JwksFetcher

NAME = "media"
ROUTERS = (uploads.uploads, videos.videos)
MIGRATIONS = Path(__file__).parent / "migrations"


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

    def wake_workers() -> None:
        for worker in workers:
            worker.wake()

    uploads_service = UploadService(
        database=database, store=store, spool=spool, settings=media_settings, on_job_queued=wake_workers
    )

    async def start() -> None:
        await store.ensure_ready()
        work_root.mkdir(parents=True, exist_ok=True)
        for worker in workers:
            worker.start(runtime.tasks)
        sweeper.start(runtime.tasks)

    async def stop() -> None:
        # First: open progress streams end now, so a server waiting for them can finish.
        await live.close()
        for worker in workers:
            await worker.stop()
        await store.close()

    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=MIGRATIONS,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=[consumer()],
        on_start=[start],
        on_stop=[stop],
    )
    live = LiveVideos(database=database, bus=runtime.bus, settings=live_settings)
    return service_app(
        runtime,
        settings=settings,
        context=MediaContext(uploads=uploads_service, videos=VideoService(database=database), live=live),
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        body_limit_exempt_prefixes=(uploads.PREFIX,),
        description="Resumable uploads, probing, the ABR ladder, CMAF packaging, thumbnails.",
    )
