"""The app factory answers every client error as problem+json, and never with a stack trace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field

from cinemesh.platform.http import create_service_app
from cinemesh.platform.problems import Problem, field_name
from tests.fixtures._problems import assert_problem


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    count: int


router = APIRouter()


@router.post("/items", status_code=201)
async def create_item(item: Item) -> Item:
    return item


@router.get("/conflict")
async def conflict() -> None:
    raise Problem(409, "Already there.", code="item-exists", field="name")


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internal detail")


METRICS_TOKEN = "unit-test-metrics-token"


@pytest.fixture
async def client() -> httpx.AsyncClient:
    app = create_service_app(name="test", routers=[router], max_body_bytes=2048, metrics_token=METRICS_TOKEN)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_valid_request_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "a", "count": 1})
    assert response.status_code == 201
    assert response.json() == {"name": "a", "count": 1}
    assert response.headers["x-request-id"]


async def test_wrong_types_name_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "toolong", "count": "many"})
    body = assert_problem(response, 422)
    errors = body["errors"]
    assert isinstance(errors, list)
    assert {error["field"] for error in errors} == {"name", "count"}
    assert "count" in str(body["detail"]) and "name" in str(body["detail"])


async def test_missing_field_is_named(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/items", json={"name": "a"}), 422)
    assert [error["field"] for error in body["errors"]] == ["count"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", content=b'{"name": ', headers={"content-type": "application/json"})
    body = assert_problem(response, 400)
    assert body["type"].endswith("/malformed-json")


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/nope"), 404)
    assert "/nope" in str(body["detail"])
    assert_problem(await client.delete("/items"), 405)


async def test_oversized_body_by_header_and_by_stream(client: httpx.AsyncClient) -> None:
    assert_problem(
        await client.post("/items", content=b"x" * 4096, headers={"content-type": "application/json"}), 413
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"x" * 512

    response = await client.post("/items", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(response, 413)


async def test_domain_problem_keeps_code_and_extensions(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/conflict"), 409)
    assert body["type"] == "https://cinemesh.dev/problems/item-exists"
    assert body["field"] == "name"


async def test_unexpected_error_is_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    body = assert_problem(response, 500)
    assert "secret internal detail" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]


async def test_well_formed_request_id_is_kept_and_bad_one_replaced(client: httpx.AsyncClient) -> None:
    kept = await client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    replaced = await client.get("/healthz", headers={"x-request-id": "bad id\twith junk"})
    assert replaced.headers["x-request-id"] != "bad id\twith junk"


async def test_operations_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "test"}
    assert (await client.get("/readyz")).status_code == 200
    await client.get("/healthz")
    metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert 'cinemesh_http_request_duration_seconds_count{method="GET",route="/healthz"' in metrics.text
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "cinemesh test"


async def test_metrics_need_the_metrics_token(client: httpx.AsyncClient) -> None:
    # Issue 20 item 10: /metrics was public on the API port.
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN}):
        refused = await client.get("/metrics", headers=headers)
        assert assert_problem(refused, 401)["type"] == "https://cinemesh.dev/problems/metrics-token-required"
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "cinemesh_http" not in refused.text
    unset = create_service_app(name="test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=unset), base_url="http://test") as plain:
        disabled = await plain.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert assert_problem(disabled, 404)["type"] == "https://cinemesh.dev/problems/metrics-disabled"


async def test_unready_dependency_gives_503() -> None:
    async def database() -> None:
        raise ConnectionRefusedError

    app = create_service_app(name="test", ready_checks=[database])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failures"] == {"database": "ConnectionRefusedError"}


def test_field_name_renders_nested_locations() -> None:
    assert field_name(("body", "profiles", 2, "name")) == "profiles[2].name"
    assert field_name(("query", "limit")) == "limit"
    assert field_name(("body",)) == "body"
