"""Composition root of the delivery service."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp

from cinemesh.delivery.api import routers
from cinemesh.delivery.devices import UsersDeviceDirectory
from cinemesh.delivery.drm.cenc import CencPackager, find_ffmpeg
from cinemesh.delivery.drm.clearkey import ClearKeyAdapter
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.edge.purge import EdgePurger
from cinemesh.delivery.events import DeliveryEvents
from cinemesh.delivery.origin.gate import VideoGate
from cinemesh.delivery.origin.media import SessionMedia
from cinemesh.delivery.origin.signing import UrlSigner
from cinemesh.delivery.runtime import Delivery
from cinemesh.delivery.service import PlaybackService
from cinemesh.delivery.settings import DeliverySettings, master_key, signing_secret
from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.logging import get_logger
from cinemesh.platform.service_app import build_service
from cinemesh.platform.settings import Settings
from cinemesh.platform.storage import build_object_store
from cinemesh.platform.tokens import JwksFetcher

NAME = "delivery"
log = get_logger("cinemesh.delivery")


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
    devices = users_devices(settings, users_app)
    database = Database.for_service(settings, NAME)
    store = build_object_store(settings)
    signer = UrlSigner(signing_secret(settings, delivery_settings).encode())
    keys = ContentKeys(
        database=database,
        box=SecretBox(master_key(settings, delivery_settings), purpose="delivery-content-keys"),
    )
    gate = VideoGate(database)
    purger = EdgePurger(store=store, purge_urls=delivery_settings.edge_purge_urls, gate=gate)
    sweeper: list[asyncio.Task[None]] = []

    async def start() -> None:
        await store.ensure_ready()
        sweeper.append(asyncio.create_task(sweep_forever()))

    async def stop() -> None:
        for task in sweeper:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sweeper.clear()
        await purger.close()
        await packager.close()
        await store.close()
        if devices is not None:
            await devices.close()

    async def sweep_forever() -> None:
        while True:
            await asyncio.sleep(delivery_settings.sweep_interval_seconds)
            try:
                ended = await playback.sweep()
                if ended:
                    log.info("sessions_timed_out", count=ended)
            except Exception:
                log.exception("session_sweep_failed")

    playback = PlaybackService(
        database=database,
        settings=delivery_settings,
        signer=signer,
        keys=keys,
        license_adapters={ClearKeyAdapter.key_system: ClearKeyAdapter()},
        devices=devices,
    )
    packager = CencPackager(store=store, keys=keys, ffmpeg=find_ffmpeg())
    events = DeliveryEvents(playback=playback, keys=keys, invalidation=purger, packager=packager)
    app, _ = build_service(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        routers=routers,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        subscriptions=[events.spec()],
        on_start=[start],
        on_stop=[stop],
        database=database,
        description="Playback sessions, signed media URLs, DRM keys and licences; the CDN origin.",
    )
    # Unlock tokens are checked with the verifier the app was built with (same keys as access).
    playback.verifier = app.state.token_verifier
    app.state.delivery = Delivery(
        settings=delivery_settings,
        database=database,
        store=store,
        signer=signer,
        keys=keys,
        playback=playback,
        media=SessionMedia(store=store, signer=signer, keys=keys, hls_aes128=delivery_settings.hls_aes128),
        gate=gate,
        api_base_url=(settings.public_url or "").rstrip("/"),
    )
    app.state.delivery_events = events
    app.state.edge_purger = purger
    app.state.cenc_packager = packager
    return app
