"""Composition root of the gateway: in-process service apps, or upstream URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.routing import Route as StarletteRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from cinemesh.gateway.domain import DEFAULT_ROUTES, Route, RouteTable
from cinemesh.gateway.export import ExportComposer
from cinemesh.gateway.home import HomeComposer, home_router
from cinemesh.gateway.openapi import DocumentSource, collect, merge_documents
from cinemesh.gateway.proxy import GatewayProxy, GuardedUpstream
from cinemesh.gateway.ratelimit import GatewayLimits
from cinemesh.gateway.revocations import RevocationFeed, SessionRevocations
from cinemesh.gateway.settings import GatewaySettings
from cinemesh.gateway.shared_state import SharedRevocations, shared_jwks_fetcher
from cinemesh.gateway.upstreams import HttpUpstream, InProcessUpstream
from cinemesh.platform.cache import Cache, build_cache
from cinemesh.platform.client_address import TrustedProxies
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.http import create_service_app
from cinemesh.platform.problems import Problem, problem_response
from cinemesh.platform.ratelimit import build_token_buckets
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.platform.service_app import JWKS_PATH, http_jwks_fetcher
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher, JwksKeySource, TokenVerifier

NAME = "gateway"


async def _no_route(scope: Scope, receive: Receive, send: Send) -> None:
    problem = Problem(404, f"No route for {scope.get('method', '')} {scope['path']}.", code="no-route")
    await problem_response(problem, instance=scope["path"])(scope, receive, send)


def _guard(settings: Settings, name: str, app: ASGIApp) -> GuardedUpstream:
    return GuardedUpstream(
        app=app,
        breaker=CircuitBreaker(name, failure_threshold=5, reset_timeout=10.0),
        # A burst past the slots waits its turn (64 keep-alive clients were answered 503 as soon
        # as the in-flight count touched the limit), no longer than an upstream may take to
        # answer; a stuck upstream still fills the line, and then callers are refused at once.
        bulkhead=Bulkhead(
            name,
            max_concurrent=settings.upstream_max_concurrency,
            max_queue=settings.upstream_max_concurrency * 4,
            queue_timeout=settings.upstream_timeout_seconds,
        ),
    )


def in_process_jwks_fetcher(users_app: ASGIApp) -> JwksFetcher:
    """Reads the users service's JWKS through ASGI: the same document, no socket."""

    async def fetch() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=users_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://users") as client:
            response = await client.get(JWKS_PATH)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document

    return fetch


def build_app(
    settings: Settings,
    *,
    service_apps: Mapping[str, FastAPI] | None = None,
    routes: Sequence[Route] = DEFAULT_ROUTES,
    fallback: ASGIApp | None = None,
    bus: EventBus | None = None,
    gateway_settings: GatewaySettings | None = None,
    cache: Cache | None = None,
) -> FastAPI:
    """With `service_apps` the services run in this process and the gateway runs their
    lifespans; without, each upstream is a URL from `settings.upstreams`. `cache` (rate-limit
    buckets) belongs to the caller when given; else the one `settings.cache` selects is built
    and closed with the app."""
    config = gateway_settings or GatewaySettings()
    owned_cache = cache is None
    cache = cache or build_cache(settings)
    limits = (
        GatewayLimits(config, build_token_buckets(cache, prefix=config.rate_limit_prefix))
        if config.rate_limiting
        else None
    )
    table = RouteTable(routes)
    http_client: httpx.AsyncClient | None = None
    upstreams: dict[str, GuardedUpstream] = {}
    if service_apps is not None:
        for name, app in service_apps.items():
            upstreams[name] = _guard(settings, name, InProcessUpstream(name, app))
        jwks_fetcher = in_process_jwks_fetcher(service_apps["users"])
    else:
        http_client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_seconds, read=None),
            # Every connection kept alive: with httpx's default of 20, a burst past 20 closed its
            # connections after each answer and opened new ones (bench.gateway, 64 clients).
            limits=httpx.Limits(
                max_connections=settings.upstream_max_concurrency * 4,
                max_keepalive_connections=settings.upstream_max_concurrency * 4,
            ),
        )
        for name in table.upstream_names:
            url = settings.upstreams.get(name)
            if url is None:
                raise ValueError(f"no URL for upstream {name!r}: set it in CINEMESH_UPSTREAMS")
            upstreams[name] = _guard(settings, name, HttpUpstream(name, url, http_client))
        jwks_fetcher = http_jwks_fetcher(settings)
    # Ended sessions are learnt from the users service's events: on the platform's shared bus
    # in-process, on a bus of its own when the gateway runs alone.
    revocations = SessionRevocations(remember_seconds=settings.access_token_ttl_seconds + 60)
    # Replicas share what they heard, and the JWKS, through Redis (one process has no one to share with).
    shared = (
        SharedRevocations(cache, remember_seconds=revocations.remember_seconds)
        if settings.cache == "redis"
        else None
    )
    if settings.cache == "redis":
        jwks_fetcher = shared_jwks_fetcher(jwks_fetcher, cache)
    own_bus = bus is None
    feed = RevocationFeed(bus or build_event_bus(settings), revocations, shared)
    # In-process, routes to services that are not running (a partial build) answer 404.
    served = RouteTable(route for route in table.routes if route.upstream in upstreams)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in (service_apps or {}).values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            if http_client is not None:
                stack.push_async_callback(http_client.aclose)
            if own_bus:
                await stack.enter_async_context(feed.bus)
            if owned_cache:
                stack.push_async_callback(cache.close)
            await feed.start()
            stack.push_async_callback(feed.stop)
            yield

    gateway = create_service_app(
        name=NAME,
        lifespan=lifespan,
        max_body_bytes=settings.max_request_body_bytes,
        body_limit_exempt_prefixes=("/api/v1/uploads",),
        description="The single public entry of cinemesh: /api/v1/... routed to the services.",
        metrics_token=settings.metrics_bearer,
    )
    proxy = GatewayProxy(
        routes=served,
        upstreams=upstreams,
        verifier=TokenVerifier(JwksKeySource(jwks_fetcher)),
        first_byte_timeout=settings.upstream_timeout_seconds,
        fallback=fallback or _no_route,
        revocations=revocations,
        limits=limits,
        trusted_proxies=TrustedProxies(config.trusted_proxies),
        shared_revocations=shared,
    )
    # The home page, composed from the services' sections (gateway/home.py); before the proxy's mount.
    gateway.include_router(home_router(proxy, HomeComposer(proxy, config)))
    # The account export embeds the other services' parts (gateway/export.py).
    gateway.router.routes.append(Mount("", app=ExportComposer(proxy, served)))
    gateway.state.proxy = proxy
    _serve_merged_openapi(gateway, served, _openapi_sources(service_apps, http_client, settings.upstreams))
    return gateway


def _openapi_sources(
    service_apps: Mapping[str, FastAPI] | None, http_client: httpx.AsyncClient | None, urls: Mapping[str, str]
) -> dict[str, DocumentSource]:
    if service_apps is not None:

        def local(app: FastAPI) -> DocumentSource:
            async def document() -> dict[str, Any]:
                return app.openapi()

            return document

        return {name: local(app) for name, app in service_apps.items()}
    assert http_client is not None

    def remote(url: str) -> DocumentSource:
        async def document() -> dict[str, Any]:
            response = await http_client.get(url.rstrip("/") + "/openapi.json")
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            return body

        return document

    return {name: remote(url) for name, url in urls.items()}


def _serve_merged_openapi(
    gateway: FastAPI, routes: RouteTable, sources: Mapping[str, DocumentSource]
) -> None:
    """Replaces the gateway's own /openapi.json by the merged public API (built on first use)."""
    cached: dict[str, Any] = {}

    async def openapi_json(_: Request) -> JSONResponse:
        if not cached:
            cached.update(merge_documents(gateway.openapi(), await collect(sources), routes))
        return JSONResponse(cached)

    gateway.router.routes[:] = [
        route for route in gateway.router.routes if getattr(route, "path", None) != "/openapi.json"
    ]
    gateway.router.routes.insert(0, StarletteRoute("/openapi.json", openapi_json, include_in_schema=False))
