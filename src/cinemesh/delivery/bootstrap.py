"""Composition root of the delivery service: the runtime first, then the objects that need it
(use cases, origin, DRM, edge purges), then the app."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp

from cinemesh.delivery.drm.cenc import CencPackager, find_ffmpeg
from cinemesh.delivery.drm.clearkey import ClearKeyAdapter
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.edge.purge import EdgePurger
from cinemesh.delivery.events import DeliveryEvents
from cinemesh.delivery.http import playback as playback_routes
from cinemesh.delivery.http import stream
from cinemesh.delivery.http.deps import DeliveryContext
from cinemesh.delivery.http.problems import ERROR_STATUSES
from cinemesh.delivery.jobs import SessionSweep
from cinemesh.delivery.origin.gate import VideoGate
from cinemesh.delivery.origin.media import SessionMedia
from cinemesh.delivery.origin.signing import UrlSigner
from cinemesh.delivery.service.devices import UsersDeviceDirectory
from cinemesh.delivery.service.licences import LicenceService
from cinemesh.delivery.service.playback import PlaybackService
from cinemesh.delivery.service.starts import SessionStarts
from cinemesh.delivery.settings import DeliverySettings, master_key, signing_secret
from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.storage import build_object_store
from cinemesh.platform.tokens import JwksFetcher

NAME = "delivery"
ROUTERS = (playback_routes.router, stream.router)
MIGRATIONS = Path(__file__).parent / "migrations"


def users_devices(settings: Settings, users_app: ASGIApp | None) -> UsersDeviceDirectory | None:
    """How delivery reaches the users service to confirm a device: the in-process app through
    ASGI (no socket), else its URL; neither (a delivery alone in a test) confirms nothing."""
    timeout = min(2.0, settings.upstream_timeout_seconds)  # a Play waits on it
    if users_app is not None:
        transport = httpx.ASGITransport(app=users_app)
        return UsersDeviceDirectory(
            httpx.AsyncClient(transport=transport, base_url="http://users", timeout=timeout)
        )
    base = settings.upstreams.get("users")
    if not base:
        return None
    return UsersDeviceDirectory(httpx.AsyncClient(base_url=base.rstrip("/"), timeout=timeout))


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    users_app: ASGIApp | None = None,
) -> FastAPI:
    delivery_settings = DeliverySettings()
    database = Database.for_service(settings, NAME)
    store = build_object_store(settings)
    keys = ContentKeys(
        database=database,
        box=SecretBox(master_key(settings, delivery_settings), purpose="delivery-content-keys"),
    )
    gate = VideoGate(database)
    purger = EdgePurger(store=store, purge_urls=delivery_settings.edge_purge_urls, gate=gate)
    packager = CencPackager(store=store, keys=keys, ffmpeg=find_ffmpeg())
    devices = users_devices(settings, users_app)
    events = DeliveryEvents(keys=keys, invalidation=purger, packager=packager)

    async def start() -> None:
        await store.ensure_ready()
        SessionSweep(playback=playback, interval_seconds=delivery_settings.sweep_interval_seconds).start(
            runtime.tasks
        )

    async def stop() -> None:
        await purger.close()
        await packager.close()
        await store.close()
        if devices is not None:
            await devices.close()

    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=MIGRATIONS,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=[events.spec()],
        on_start=[start],
        on_stop=[stop],
    )
    assert runtime.verifier is not None  # build_runtime always makes one
    playback = PlaybackService(database=database, settings=delivery_settings)
    session_starts = SessionStarts(
        database=database, settings=delivery_settings, keys=keys, verifier=runtime.verifier, devices=devices
    )
    signer = UrlSigner(signing_secret(settings, delivery_settings).encode())
    context = DeliveryContext(
        settings=delivery_settings,
        playback=playback,
        starts=session_starts,
        licences=LicenceService(
            database=database,
            keys=keys,
            adapters={ClearKeyAdapter.key_system: ClearKeyAdapter()},
            heartbeat_timeout=playback.heartbeat_timeout,
        ),
        media=SessionMedia(store=store, signer=signer, keys=keys, hls_aes128=delivery_settings.hls_aes128),
        gate=gate,
        signer=signer,
        keys=keys,
        store=store,
        purger=purger,
        packager=packager,
        api_base_url=(settings.public_url or "").rstrip("/"),
    )
    return service_app(
        runtime,
        settings=settings,
        context=context,
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        description="Playback sessions, signed media URLs, DRM keys and licences; the CDN origin.",
    )
