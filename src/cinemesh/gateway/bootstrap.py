"""Composition root of the gateway: in-process service apps, or upstream URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.types import ASGIApp

from cinemesh.gateway.domain import DEFAULT_ROUTES, Route, RouteTable
from cinemesh.gateway.http import home, openapi
from cinemesh.gateway.http.deps import GatewayContext
from cinemesh.gateway.http.export import ExportComposer
from cinemesh.gateway.http.problems import ERROR_STATUSES
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.gateway.http.proxy.ratelimit import GatewayLimits
from cinemesh.gateway.http.proxy.replicas import OutlierPolicy
from cinemesh.gateway.http.proxy.retries import Retries, RetryPolicy
from cinemesh.gateway.http.proxy.upstreams import HttpUpstream, InProcessUpstream, replica_urls
from cinemesh.gateway.revocations import RevocationFeed, SessionRevocations
from cinemesh.gateway.service import HomeComposer
from cinemesh.gateway.settings import GatewaySettings
from cinemesh.gateway.shared_state import SharedRevocations, shared_jwks_fetcher
from cinemesh.platform.cache import Cache, build_cache
from cinemesh.platform.client_address import TrustedProxies
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.http import Lifespan, create_service_app
from cinemesh.platform.ratelimit import build_token_buckets
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.platform.service_app import JWKS_PATH, http_jwks_fetcher
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher, JwksKeySource, TokenVerifier

NAME = "gateway"


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


def retry_policy(config: GatewaySettings) -> RetryPolicy:
    return RetryPolicy(
        attempts=config.retry_attempts,
        backoff_base=config.retry_backoff_base_seconds,
        backoff_max=config.retry_backoff_max_seconds,
        budget_ratio=config.retry_budget_ratio,
        budget_min_per_second=config.retry_budget_min_per_second,
        budget_window=config.retry_budget_window_seconds,
    )


def outlier_policy(config: GatewaySettings) -> OutlierPolicy:
    return OutlierPolicy(
        consecutive_failures=config.outlier_consecutive_failures,
        base_ejection=config.outlier_base_ejection_seconds,
        max_ejection=config.outlier_max_ejection_seconds,
        max_ejected_share=config.outlier_max_ejected_share,
    )


def replicas_jwks_fetcher(settings: Settings) -> JwksFetcher:
    """The JWKS from the first users replica that answers (CINEMESH_UPSTREAMS may list several)."""
    listed = settings.upstreams.get("users")
    if not listed:
        return http_jwks_fetcher(settings)  # fails fast, naming the setting
    fetchers = [
        http_jwks_fetcher(settings.model_copy(update={"upstreams": {"users": url}}))
        for url in replica_urls(listed)
    ]

    async def fetch() -> dict[str, Any]:
        for fetcher in fetchers[:-1]:
            try:
                return await fetcher()
            except httpx.HTTPError:
                continue
        return await fetchers[-1]()

    return fetch


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
    upstreams = _upstreams(settings, config, table, service_apps)
    # Ended sessions are learnt from the users service's events: on the platform's shared bus
    # in-process, on a bus of its own when the gateway runs alone.
    revocations = SessionRevocations(remember_seconds=settings.access_token_ttl_seconds + 60)
    # Replicas share what they heard, and the JWKS, through Redis (one process has no one to share with).
    shared = (
        SharedRevocations(cache, remember_seconds=revocations.remember_seconds)
        if settings.cache == "redis"
        else None
    )
    jwks_fetcher = upstreams.jwks_fetcher
    if settings.cache == "redis":
        jwks_fetcher = shared_jwks_fetcher(jwks_fetcher, cache)
    feed = RevocationFeed(bus or build_event_bus(settings), revocations, shared)
    # In-process, routes to services that are not running (a partial build) answer 404.
    served = RouteTable(route for route in table.routes if route.upstream in upstreams.guarded)
    proxy = GatewayProxy(
        routes=served,
        upstreams=upstreams.guarded,
        verifier=TokenVerifier(JwksKeySource(jwks_fetcher)),
        first_byte_timeout=settings.upstream_timeout_seconds,
        fallback=fallback or no_route,
        revocations=revocations,
        limits=limits,
        trusted_proxies=TrustedProxies(config.trusted_proxies),
        shared_revocations=shared,
    )
    gateway = create_service_app(
        name=NAME,
        # The home page, composed from the services' sections (service.py); before the proxy's mount.
        routers=[home.router],
        lifespan=_lifespan(
            service_apps,
            upstreams.http_client,
            feed,
            own_bus=bus is None,
            cache=cache if owned_cache else None,
        ),
        max_body_bytes=settings.max_request_body_bytes,
        body_limit_exempt_prefixes=("/api/v1/uploads",),
        description="The single public entry of cinemesh: /api/v1/... routed to the services.",
        error_statuses=ERROR_STATUSES,
        metrics_token=settings.metrics_bearer,
    )
    gateway.state.context = GatewayContext(proxy=proxy, home=HomeComposer(proxy, config))
    # Every other path goes to the proxy; the account export embeds the other services' parts
    # (http/export.py).
    gateway.router.routes.append(Mount("", app=ExportComposer(proxy, served)))
    openapi.serve_merged_openapi(
        gateway, served, openapi.sources(service_apps, upstreams.http_client, settings.upstreams)
    )
    return gateway


@dataclass(frozen=True)
class _Upstreams:
    guarded: dict[str, GuardedUpstream]
    jwks_fetcher: JwksFetcher
    http_client: httpx.AsyncClient | None  # over HTTP: the pool every upstream shares


def _upstreams(
    settings: Settings, config: GatewaySettings, table: RouteTable, service_apps: Mapping[str, FastAPI] | None
) -> _Upstreams:
    if service_apps is not None:
        guarded = {
            name: _guard(settings, name, InProcessUpstream(name, app)) for name, app in service_apps.items()
        }
        return _Upstreams(guarded, in_process_jwks_fetcher(service_apps["users"]), None)
    http_client = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout_seconds, read=None),
        # Every connection kept alive: with httpx's default of 20, a burst past 20 closed its
        # connections after each answer and opened new ones (bench.gateway, 64 clients).
        limits=httpx.Limits(
            max_connections=settings.upstream_max_concurrency * 4,
            max_keepalive_connections=settings.upstream_max_concurrency * 4,
        ),
    )
    guarded = {}
    for name in table.upstream_names:
        url = settings.upstreams.get(name)
        if url is None:
            raise ValueError(f"no URL for upstream {name!r}: set it in CINEMESH_UPSTREAMS")
        retries = Retries(name, retry_policy(config), deadline=settings.upstream_timeout_seconds)
        upstream = HttpUpstream(name, url, http_client, retries=retries, outliers=outlier_policy(config))
        guarded[name] = _guard(settings, name, upstream)
    return _Upstreams(guarded, replicas_jwks_fetcher(settings), http_client)


def _lifespan(
    service_apps: Mapping[str, FastAPI] | None,
    http_client: httpx.AsyncClient | None,
    feed: RevocationFeed,
    *,
    own_bus: bool,
    cache: Cache | None,
) -> Lifespan:
    """Runs the in-process services' lifespans and the revocation feed; closes what the gateway
    owns (its HTTP pool, its bus, its cache)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in (service_apps or {}).values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            if http_client is not None:
                stack.push_async_callback(http_client.aclose)
            if own_bus:
                await stack.enter_async_context(feed.bus)
            if cache is not None:
                stack.push_async_callback(cache.close)
            await feed.start()
            stack.push_async_callback(feed.stop)
            yield

    return lifespan
