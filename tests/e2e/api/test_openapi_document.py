"""The public OpenAPI document at the gateway, on both platform shapes: every path the route
table sends to a running service is described, media's uploads, videos and event stream included
(its document once failed to build, and the gateway dropped the whole service)."""

from __future__ import annotations

import tempfile

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from cinemesh.composition import build_service_apps
from cinemesh.gateway.domain import DEFAULT_ROUTES, RouteTable
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform")]


def routed_operations() -> set[tuple[str, str]]:
    """(path, method) of every documented route of every service that the gateway routes to it,
    read from the service apps themselves (built, never started)."""
    table = RouteTable(DEFAULT_ROUTES)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=data_dir)
        apps = build_service_apps(settings, bus=build_event_bus(settings))
    operations: set[tuple[str, str]] = set()
    for name, app in apps.items():
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            owner = table.match(route.path_format)  # the path without convertors (`:uuid`)
            if owner is not None and owner.upstream == name:
                operations.update((route.path_format, method.lower()) for method in route.methods or ())
    return operations


def test_every_routed_operation_is_in_the_public_document(platform: RunningPlatform) -> None:
    expected = routed_operations()
    # Media's routes were the ones missing: the check must not pass on an empty expectation.
    assert ("/api/v1/videos/{video_id}/events", "get") in expected
    assert any(path.startswith("/api/v1/uploads") for path, _ in expected)

    response = httpx.get(f"{platform.base_url}/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    document = response.json()
    published = {(path, method) for path, item in document["paths"].items() for method in item}
    missing = sorted(expected - published)
    assert not missing, f"routed but not documented: {missing}"
    events = document["paths"]["/api/v1/videos/{video_id}/events"]["get"]["responses"]
    assert "text/event-stream" in events["200"]["content"]
