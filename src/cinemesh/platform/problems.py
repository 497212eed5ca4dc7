"""RFC 9457 problem details: every error a client can cause, in one shape.

Handlers turn validation errors (naming each field), HTTP errors, oversized or malformed bodies
into `application/problem+json`. Unexpected exceptions are answered (500, nothing internal
revealed) by the request middleware in `cinemesh.platform.http`, inside the request's context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from cinemesh.platform.context import request_id_var
from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, DomainError, ErrorStatuses, status_of

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://cinemesh.dev/problems/"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Problem(Exception):
    """An error the client can understand and act on.

    `code` becomes the problem `type` URI (e.g. "plan-stream-limit"), so clients can branch on it
    without parsing prose.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        title: str | None = None,
        errors: Sequence[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title or _TITLES.get(status, "Error")
        self.errors = list(errors)
        self.headers = headers or {}
        self.extensions = extensions

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code if self.code else "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        request_id = request_id_var.get()
        if request_id:
            body["request_id"] = request_id
        body.update(self.extensions)
        return body


def problem_response(problem: Problem, *, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.to_dict(instance),
        status_code=problem.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=problem.headers,
    )


def field_name(location: Sequence[str | int]) -> str:
    """`("body", "profiles", 2, "name")` -> `profiles[2].name`; the location part is dropped."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = []
    for error in exc.errors():
        location = error.get("loc", ())
        if error.get("type") == "json_invalid":
            return Problem(400, "The request body is not valid JSON.", code="malformed-json")
        errors.append(
            {
                "field": field_name(location),
                "in": location[0] if location else "body",
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "invalid"),
            }
        )
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return Problem(422, f"Invalid value for: {fields}.", code="validation-error", errors=errors)


def domain_problem(error: DomainError, statuses: ErrorStatuses) -> Problem:
    """The problem a domain error is answered with; an unmapped one is a bug, so it re-raises
    (the request middleware answers 500 and logs it)."""
    status = status_of(error, {**DEFAULT_ERROR_STATUSES, **statuses})
    if status is None:
        raise error
    errors = [{"field": error.field, "message": error.detail, "type": error.code}] if error.field else []
    return Problem(status, error.detail, code=error.code, errors=errors, **error.extensions)


def install_problem_handlers(app: FastAPI, error_statuses: ErrorStatuses | None = None) -> None:
    statuses = error_statuses or {}

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return problem_response(domain_problem(exc, statuses), instance=request.url.path)

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, instance=request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(_validation_problem(exc), instance=request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No route for {request.method} {request.url.path}."
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        problem = Problem(exc.status_code, detail, headers=dict(exc.headers or {}))
        return problem_response(problem, instance=request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
