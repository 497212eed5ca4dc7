"""Builds a service's ASGI app and runtime from its parts: the one recipe every bootstrap uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypedDict, TypeVar, Unpack

import httpx
from fastapi import APIRouter, FastAPI, Request

from cinemesh.platform.db import Database
from cinemesh.platform.errors import ErrorStatuses
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.http import create_service_app
from cinemesh.platform.runtime import ConsumerSpec, ServiceRuntime
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher, JwksKeySource, TokenVerifier

JWKS_PATH = "/.well-known/jwks.json"
Context = TypeVar("Context")


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


def build_runtime(
    *,
    settings: Settings,
    name: str,
    migrations: Path,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    subscriptions: Sequence[ConsumerSpec] = (),
    on_start: Sequence[Callable[[], Awaitable[None]]] = (),
    on_stop: Sequence[Callable[[], Awaitable[None]]] = (),
    database: Database | None = None,
    in_worker: bool = True,
) -> ServiceRuntime:
    """A service's long-lived resources, built before anything that needs them (its use cases,
    its app): nothing is patched in afterwards. A shared `bus` belongs to the caller
    (in-process); without one the service owns its own."""
    return ServiceRuntime(
        name=name,
        database=database or Database.for_service(settings, name),
        bus=bus or build_event_bus(settings),
        owns_bus=bus is None,
        migrations=migrations,
        verifier=TokenVerifier(JwksKeySource(jwks_fetcher or http_jwks_fetcher(settings))),
        subscriptions=subscriptions,
        on_start=on_start,
        on_stop=on_stop,
        in_worker=in_worker,
    )


class AppOptions(TypedDict, total=False):
    """What shapes a service's app beyond its runtime (all optional)."""

    context: object  # the frozen <Service>Context the routes read (`context_of`)
    routers: Sequence[APIRouter]
    error_statuses: ErrorStatuses  # the service's domain error -> HTTP status table
    max_body_bytes: int  # default: the platform setting
    body_limit_exempt_prefixes: Sequence[str]  # e.g. tus uploads, which stream large bodies
    description: str  # the OpenAPI description


def service_app(runtime: ServiceRuntime, *, settings: Settings, **options: Unpack[AppOptions]) -> FastAPI:
    """The service's ASGI app over a built runtime: its lifespan starts and stops the runtime,
    and the routes find everything they need in `app.state.context` (one frozen object the
    bootstrap made; see `context_of`)."""
    app = create_service_app(
        name=runtime.name,
        routers=options.get("routers", ()),
        lifespan=runtime.lifespan,
        ready_checks=[runtime.database.ping],
        max_body_bytes=options.get("max_body_bytes") or settings.max_request_body_bytes,
        body_limit_exempt_prefixes=options.get("body_limit_exempt_prefixes", ()),
        description=options.get("description", ""),
        error_statuses=options.get("error_statuses"),
        metrics_token=settings.metrics_bearer,
    )
    app.state.runtime = runtime
    app.state.token_verifier = runtime.verifier
    app.state.context = options.get("context")
    return app


def context_of(request: Request, kind: type[Context]) -> Context:
    """The app's context object, checked to be the `kind` the routes expect."""
    context = request.app.state.context
    if not isinstance(context, kind):
        raise TypeError(f"app.state.context is {type(context).__name__}, not {kind.__name__}")
    return context
