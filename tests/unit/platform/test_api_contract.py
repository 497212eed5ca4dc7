"""The contract every service app states and keeps: problem responses documented on every
operation, `Allow` on 405 listing every method of the path, and Swagger UI served offline."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Response
from pydantic import BaseModel

from cinemesh.platform.api_contract import PROBLEM_SCHEMA_NAME, SSE_EVENT_SCHEMA, raw_request_body
from cinemesh.platform.http import create_service_app
from cinemesh.platform.problems import PROBLEM_CONTENT_TYPE


class Note(BaseModel):
    text: str


# Three routes on one path, each its own route object, as the users service's /me has.
router = APIRouter(prefix="/api/v1")


@router.get("/notes/{note_id}")
async def read_note(note_id: int) -> Note:
    return Note(text=str(note_id))


@router.patch("/notes/{note_id}", responses={409: {"description": "the note was edited meanwhile"}})
async def edit_note(note_id: int, note: Note) -> Note:
    return note


@router.delete("/notes/{note_id}", status_code=204)
async def delete_note(note_id: int) -> None:
    return None


# A literal path beside a template that also matches it: /notes/archive is not a note.
@router.post(
    "/notes/archive",
    status_code=204,
    openapi_extra=raw_request_body("application/x-ndjson", description="one note per line"),
)
async def archive_notes() -> None:
    return None


@router.get("/notes/{note_id}/events", responses={200: {"content": {"text/event-stream": {}}}})
async def note_events(note_id: int) -> Response:
    return Response(b"event: note\ndata: {}\n\n", media_type="text/event-stream")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(name="test", routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_every_operation_documents_problem_responses(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = document["paths"]["/api/v1/notes/{note_id}"]
    problem = {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}}
    for method, operation in operations.items():
        responses = operation["responses"]
        for status in ("400", "401", "403", "404", "422", "429"):
            assert responses[status]["content"] == {PROBLEM_CONTENT_TYPE: problem}, (method, status)
    # Conflicts only where state changes; size and type only where there is a body.
    assert "409" not in operations["get"]["responses"]
    assert "409" in operations["delete"]["responses"]
    assert {"413", "415"} <= set(operations["patch"]["responses"])
    assert "413" not in operations["delete"]["responses"]
    # A route's own description of a status is kept; the problem body is added to it.
    conflict = operations["patch"]["responses"]["409"]
    assert conflict["description"] == "the note was edited meanwhile"
    assert conflict["content"] == {PROBLEM_CONTENT_TYPE: problem}
    schemas = document["components"]["schemas"]
    assert PROBLEM_SCHEMA_NAME in schemas and "HTTPValidationError" not in schemas
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "POST"])
async def test_405_allows_every_method_of_the_path(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/api/v1/notes/7")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert response.json()["detail"] == f"{method} is not allowed on /api/v1/notes/7."


async def test_405_on_a_literal_path_lists_its_own_methods(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/notes/archive")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_a_raw_body_is_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/notes/archive"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert body["content"] == {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}}
    assert {"413", "415"} <= set(operation["responses"])


async def test_swagger_ui_is_served_from_this_process(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "/docs/assets/swagger-ui.css" in page.text
    assert "https://" not in page.text  # nothing from a CDN
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        served = await client.get(f"/docs/assets/{asset}")
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset


async def test_an_event_stream_documents_its_events(client: httpx.AsyncClient) -> None:
    """FastAPI documents a stream as one string; clients (and schemathesis) see events."""
    document = (await client.get("/openapi.json")).json()
    ok = document["paths"]["/api/v1/notes/{note_id}/events"]["get"]["responses"]["200"]
    assert ok["content"]["text/event-stream"]["schema"] == SSE_EVENT_SCHEMA
