"""The HTTP contract every service keeps, stated once: problem responses and `Allow` on 405.

Every error a client can cause is answered as RFC 9457 `application/problem+json`
(cinemesh.platform.problems); this module writes that into each service's OpenAPI document, for
every operation, instead of each route copying it. A route that says more about one status (its
own `responses=`) keeps its description; the problem body is added beside it.

Starlette answers a method a path does not serve with the methods of the first route that
matched the path only (`OPTIONS /api/v1/me` -> `Allow: GET` while PATCH and DELETE exist);
the 405 handler here lists every method any route of the app serves on that path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Mount

from cinemesh.platform.problems import PROBLEM_CONTENT_TYPE, Problem, problem_response

PROBLEM_SCHEMA_NAME = "Problem"
_PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM_SCHEMA_NAME,
    "description": "RFC 9457 problem details; `type` ends in a stable code clients can branch on.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One entry per invalid field.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "in": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

# Statuses any operation may answer: a malformed request (400), a missing or bad token (401),
# a caller not allowed (403), an unknown id or route (404), bad fields (422), a rate limit (429).
_EVERY_OPERATION = {
    "400": "The request is malformed (for example a body that is not valid JSON).",
    "401": "The access token is missing, malformed, expired or revoked.",
    "403": "The caller may not do this.",
    "404": "No such resource (or none the caller may see), or no such route.",
    "422": "A parameter or field is invalid; `errors` names each one.",
    "429": "Too many requests; retry after the `Retry-After` header.",
}
# Operations that change state may also conflict with it.
_CHANGING_OPERATION = {"409": "The request conflicts with the resource's current state."}
# Operations with a body: the body can be too large or of a type the route does not take.
_BODY_OPERATION = {
    "413": "The request body is larger than the route accepts.",
    "415": "The request body's content type is not one the route accepts.",
}
_CHANGING_METHODS = {"post", "put", "patch", "delete"}
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
BEARER_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the problem responses on every operation (changed in place, returned)."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
    # FastAPI's own 422 schema describes a body this platform never sends.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components.setdefault("securitySchemes", {})["bearer"] = BEARER_SCHEME
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method in _METHODS:
                _add_problems(method, operation)
                _describe_event_streams(operation)
    return document


def _add_problems(method: str, operation: dict[str, Any]) -> None:
    statuses = dict(_EVERY_OPERATION)
    if method in _CHANGING_METHODS:
        statuses.update(_CHANGING_OPERATION)
    if "requestBody" in operation:
        statuses.update(_BODY_OPERATION)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, description in statuses.items():
        responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": _PROBLEM_REF}}
    # A token is optional on public routes and required on the rest: both are stated.
    operation.setdefault("security", [{"bearer": []}, {}])


def raw_request_body(*media_types: str, description: str) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body itself (an image, a tus chunk, a JSON
    Lines file): FastAPI sees no body parameter, so it would document none."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in media_types}
    return {"requestBody": {"required": True, "description": description, "content": content}}


# One Server-Sent Event as clients parse it; FastAPI documents the stream as one string.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string", "description": "JSON"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}


def _describe_event_streams(operation: dict[str, Any]) -> None:
    for response in operation.get("responses", {}).values():
        stream = response.get("content", {}).get("text/event-stream")
        if stream is not None:
            stream["schema"] = SSE_EVENT_SCHEMA


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the resource at `path` has: the methods of the routes whose template matches
    it with the fewest parameters (`/titles/import` is the import, not a title called "import").
    FastAPI routes serve no implicit HEAD, so none is added."""
    by_parameters: dict[int, set[str]] = {}
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount) or context.methods is None:
            continue
        regex = getattr(context, "path_regex", None)
        if regex is not None and regex.match(path):
            parameters = str(getattr(context, "path_format", "")).count("{")
            by_parameters.setdefault(parameters, set()).update(context.methods)
    return sorted(by_parameters[min(by_parameters)]) if by_parameters else []


def install_api_contract(app: FastAPI) -> None:
    build_document: Callable[[], dict[str, Any]] = app.openapi
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not built:
            built.update(document_problems(build_document()))
        return built

    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        methods = allowed_methods(app, request.url.path)
        if methods:
            headers["Allow"] = ", ".join(methods)
        detail = f"{request.method} is not allowed on {request.url.path}."
        return problem_response(Problem(405, detail, headers=headers), instance=request.url.path)

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(405, method_not_allowed)
