"""Builds a service's ASGI app and runtime from its parts: the one recipe every bootstrap uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI

from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.http import create_service_app
from cinemesh.platform.runtime import ConsumerSpec, ServiceRuntime
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher, JwksKeySource, TokenVerifier

JWKS_PATH = "/.well-known/jwks.json"


class MissingUpstreamError(RuntimeError):
    """A service was started alone without the address of a service it depends on."""


def http_jwks_fetcher(settings: Settings) -> JwksFetcher:
    """Fetches the users service's JWKS over HTTP; fails fast when its address is not configured."""
    base = settings.upstreams.get("users")
    if not base:
        raise MissingUpstreamError(
            'set CINEMESH_UPSTREAMS=\'{"users": "http://HOST:PORT"}\' so this service can verify tokens'
        )
    url = base.rstrip("/") + JWKS_PATH

    async def fetch() -> dict[str, object]:
        async with httpx.AsyncClient(timeout=settings.upstream_timeout_seconds) as client:
            response = await client.get(url)
            response.raise_for_status()
            document: dict[str, object] = response.json()
            return document

    return fetch


def build_service(
    *,
    settings: Settings,
    name: str,
    migrations: Path,
    routers: Sequence[APIRouter] = (),
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    subscriptions: Sequence[ConsumerSpec] = (),
    on_start: Sequence[Callable[[], Awaitable[None]]] = (),
    on_stop: Sequence[Callable[[], Awaitable[None]]] = (),
    database: Database | None = None,
    max_body_bytes: int | None = None,
    body_limit_exempt_prefixes: Sequence[str] = (),
    description: str = "",
) -> tuple[FastAPI, ServiceRuntime]:
    """A shared `bus` belongs to the caller (in-process); without one the service owns its own."""
    database = database or Database.for_service(settings, name)
    runtime = ServiceRuntime(
        name=name,
        database=database,
        bus=bus or build_event_bus(settings),
        owns_bus=bus is None,
        migrations=migrations,
        subscriptions=subscriptions,
        on_start=on_start,
        on_stop=on_stop,
    )
    app = create_service_app(
        name=name,
        routers=routers,
        lifespan=runtime.lifespan,
        ready_checks=[database.ping],
        max_body_bytes=max_body_bytes or settings.max_request_body_bytes,
        body_limit_exempt_prefixes=body_limit_exempt_prefixes,
        description=description,
    )
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(JwksKeySource(jwks_fetcher or http_jwks_fetcher(settings)))
    return app, runtime
