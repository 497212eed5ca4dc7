"""The composition root of whole processes: every service in one (`cinemesh up`), or one alone.

This is the only module besides the CLI that knows every service; services never import each
other. The in-process platform shares one event bus and hands the users service's JWKS to the
gateway and the services through ASGI, so nothing between them opens a socket.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from cinemesh.analytics import bootstrap as analytics_bootstrap
from cinemesh.billing import bootstrap as billing_bootstrap
from cinemesh.catalog import bootstrap as catalog_bootstrap
from cinemesh.delivery import bootstrap as delivery_bootstrap
from cinemesh.discovery import bootstrap as discovery_bootstrap
from cinemesh.gateway import bootstrap as gateway_bootstrap
from cinemesh.gateway.bootstrap import in_process_jwks_fetcher
from cinemesh.history import bootstrap as history_bootstrap
from cinemesh.media import bootstrap as media_bootstrap
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.heap import freeze_startup_heap
from cinemesh.platform.logging import get_logger
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher
from cinemesh.users import bootstrap as users_bootstrap
from cinemesh.users.identity.service.accounts import AdminCredentials

log = get_logger("cinemesh.composition")


ServiceFactory = Callable[..., FastAPI]

# Every service but users takes the same arguments; users is built first (it issues the keys).
SERVICE_FACTORIES: dict[str, ServiceFactory] = {
    "catalog": catalog_bootstrap.build_app,
    "media": media_bootstrap.build_app,
    "delivery": delivery_bootstrap.build_app,
    "discovery": discovery_bootstrap.build_app,
    "history": history_bootstrap.build_app,
    "billing": billing_bootstrap.build_app,
    "analytics": analytics_bootstrap.build_app,
}
SERVICE_NAMES = ("users", *SERVICE_FACTORIES)


def build_service_apps(settings: Settings, *, bus: EventBus) -> dict[str, FastAPI]:
    apps: dict[str, FastAPI] = {"users": users_bootstrap.build_app(settings, bus=bus)}
    jwks_fetcher: JwksFetcher = in_process_jwks_fetcher(apps["users"])
    for name, factory in SERVICE_FACTORIES.items():
        # Delivery confirms devices it has not heard of yet with users (read-your-writes), in-process.
        peers = {"users_app": apps["users"]} if name == "delivery" else {}
        apps[name] = factory(settings, bus=bus, jwks_fetcher=jwks_fetcher, **peers)
    return apps


def build_platform(
    settings: Settings,
    *,
    on_ready: Callable[[AdminCredentials | None], None] | None = None,
    fallback: ASGIApp | None = None,
) -> FastAPI:
    """Gateway + every service in this process, on one shared event bus."""
    bus = build_event_bus(settings)
    service_apps = build_service_apps(settings, bus=bus)
    gateway = gateway_bootstrap.build_app(settings, service_apps=service_apps, fallback=fallback, bus=bus)
    gateway_lifespan = gateway.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bus, gateway_lifespan(app):
            if on_ready is not None:
                on_ready(service_apps["users"].state.first_admin)
            log.info("platform_ready", url=settings.base_url, services=list(service_apps))
            yield

    gateway.router.lifespan_context = lifespan
    gateway.state.service_apps = service_apps
    gateway.state.bus = bus
    return gateway


def build_single_service(settings: Settings, name: str) -> FastAPI:
    """One service (or the gateway) alone, finding the others by URL: `cinemesh serve NAME`."""
    if name == "gateway":
        return gateway_bootstrap.build_app(settings)
    if name == "users":
        return users_bootstrap.build_app(settings)
    if name not in SERVICE_FACTORIES:
        raise ValueError(f"unknown service {name!r}; choose from gateway, {', '.join(SERVICE_NAMES)}")
    return SERVICE_FACTORIES[name](settings)


# -- factories granian imports (it runs the app in its own worker from an import string) --------
SERVE_SERVICE_ENV = "CINEMESH_SERVE_SERVICE"


def platform_app_from_env() -> FastAPI:
    from cinemesh.cli_output import announce_ready
    from cinemesh.platform.logging import configure_logging
    from cinemesh.web import build_web_app

    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    web = build_web_app(settings)

    def ready(admin: AdminCredentials | None) -> None:
        freeze_startup_heap()
        announce_ready(settings, admin)
        # The demo catalog seeds in the background, over HTTP, after readiness (never blocking it).
        web.start_demo(admin.email if admin else None, admin.password if admin else None)

    return build_platform(settings, on_ready=ready, fallback=web)


def service_app_from_env() -> FastAPI:
    from cinemesh.cli_output import announce_ready
    from cinemesh.platform.logging import configure_logging

    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    name = os.environ[SERVE_SERVICE_ENV]
    app = build_single_service(settings, name)
    served_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        async with served_lifespan(served):
            # The users service creates the first admin; show a generated password once, on the terminal.
            if name == "users" and served.state.first_admin is not None:
                announce_ready(settings, served.state.first_admin)
            freeze_startup_heap()
            yield

    app.router.lifespan_context = lifespan
    return app
