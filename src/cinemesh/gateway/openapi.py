"""One OpenAPI document for the public API: the services' documents merged at the gateway.

Only the paths the route table sends to a service are kept, so the document describes exactly
what a client can call through the gateway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

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
