"""`/openapi.json`: one OpenAPI document for the public API, the services' documents merged at
the gateway.

Only the paths the route table sends to a service are kept, so the document describes exactly
what a client can call through the gateway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route as StarletteRoute

from cinemesh.gateway.domain import RouteTable
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.gateway.openapi")

DocumentSource = Callable[[], Awaitable[dict[str, Any]]]


def merge_documents(
    base: dict[str, Any], documents: Mapping[str, dict[str, Any]], routes: RouteTable
) -> dict[str, Any]:
    merged = {**base, "paths": dict(base.get("paths", {}))}
    schemas: dict[str, Any] = dict(base.get("components", {}).get("schemas", {}))
    for service, document in sorted(documents.items()):
        for path, operations in document.get("paths", {}).items():
            route = routes.match(path)
            if route is not None and route.upstream == service:
                merged["paths"][path] = operations
        schemas.update(document.get("components", {}).get("schemas", {}))
    merged["components"] = {**base.get("components", {}), "schemas": schemas}
    return merged


async def collect(sources: Mapping[str, DocumentSource]) -> dict[str, dict[str, Any]]:
    """Each service's document; a service that cannot answer is left out, not fatal."""
    documents: dict[str, dict[str, Any]] = {}
    for name, source in sources.items():
        try:
            documents[name] = await source()
        except Exception as exc:  # the docs page must not fail because one service is down
            log.warning("openapi_unavailable", service=name, error=type(exc).__name__)
    return documents


def sources(
    service_apps: Mapping[str, FastAPI] | None, http_client: httpx.AsyncClient | None, urls: Mapping[str, str]
) -> dict[str, DocumentSource]:
    """Each service's document: its in-process app's, else fetched from its URL."""
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


def serve_merged_openapi(gateway: FastAPI, routes: RouteTable, sources: Mapping[str, DocumentSource]) -> None:
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
