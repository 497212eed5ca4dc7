"""The service app factory: every service (and the gateway) is built by `create_service_app`.

It gives each app the same operational surface — `/healthz` (the process runs), `/readyz` (its
dependencies answer), `/metrics` (Prometheus), OpenAPI at `/openapi.json` — and the same
middleware: request ids, body size limits and RFC 9457 problem responses.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinemesh.platform.api_contract import install_api_contract
from cinemesh.platform.api_docs import install_api_docs
from cinemesh.platform.context import REQUEST_ID_HEADER, request_id_var
from cinemesh.platform.errors import ErrorStatuses
from cinemesh.platform.fastapi_params import install as remember_parameter_facts
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.logging import get_logger
from cinemesh.platform.metrics import HTTP_REQUEST_SECONDS, metrics_response
from cinemesh.platform.problems import Problem, install_problem_handlers, problem_response
from cinemesh.platform.storable_text import StorableTextMiddleware, install_data_exception_handler

ReadyCheck = Callable[[], Awaitable[None]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

log = get_logger("cinemesh.http")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_REQUEST_ID_HEADER_BYTES = REQUEST_ID_HEADER.lower().encode()


class RequestContextMiddleware:
    """Adopts a well-formed incoming request id (or makes one) and times the request.

    Pure ASGI rather than BaseHTTPMiddleware so streamed bodies (video segments) pass through
    without being buffered.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        # The histogram's child per (method, route, status): `labels()` resolves it anew each time.
        self._timers: dict[tuple[str, str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, _REQUEST_ID_HEADER_BYTES).decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else new_id_str()
        token = request_id_var.set(request_id)
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (_REQUEST_ID_HEADER_BYTES, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Answered here, inside the request's context, so the 500 carries its request id.
            log.error("unhandled_exception", path=scope["path"], exc_info=exc)
            if status:
                raise
            problem = Problem(500, "An unexpected error occurred; it has been logged.", code="internal")
            await problem_response(problem, instance=scope["path"])(scope, receive, send_with_id)
        finally:
            key = (scope["method"], getattr(scope.get("route"), "path", "unmatched"), str(status or 500))
            timer = self._timers.get(key)
            if timer is None:
                timer = self._timers[key] = HTTP_REQUEST_SECONDS.labels(self.service, *key)
            timer.observe(time.perf_counter() - started)
            request_id_var.reset(token)


# Like nginx's lingering close: a moderately oversized body is read and dropped before the 413,
# because a client still writing when the server closes sees a reset instead of the answer.
_LINGER_MAX_BYTES = 16 * 1024 * 1024


async def _discard_body(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413, by Content-Length or while they stream in.

    Prefixes in `exempt_prefixes` (resumable uploads) enforce their own, larger limits.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt_prefixes: Sequence[str] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = tuple(exempt_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_bytes:
            if int(declared) <= _LINGER_MAX_BYTES:
                await _discard_body(receive)
            await problem_response(self._too_large(), instance=scope["path"])(scope, receive, send)
            return
        received = 0
        exceeded = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise self._too_large()
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app makes of the aborted body (a parse error, a 500), the client
            # is told the truth: it sent too much.
            if not exceeded:
                await send(message)
            elif message["type"] == "http.response.start":
                await problem_response(self._too_large(), instance=scope["path"])(scope, receive, send)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Problem:
            if not exceeded:
                raise
            await problem_response(self._too_large(), instance=scope["path"])(scope, receive, send)

    def _too_large(self) -> Problem:  # made only when needed: a Problem per request cost CPU
        return Problem(413, f"The request body exceeds {self.max_bytes} bytes.", code="body-too-large")


def _header(scope: Scope, name: bytes) -> bytes:
    """A request header's value (the last if repeated, as a dict of the headers gives), or b""."""
    found = b""
    for key, value in scope["headers"]:
        if key == name:
            found = value
    return found


def create_service_app(
    *,
    name: str,
    version: str = "1",
    routers: Sequence[APIRouter] = (),
    lifespan: Lifespan | None = None,
    ready_checks: Sequence[ReadyCheck] = (),
    max_body_bytes: int = 1024 * 1024,
    body_limit_exempt_prefixes: Sequence[str] = (),
    description: str = "",
    error_statuses: ErrorStatuses | None = None,
    metrics_token: str | None = None,
) -> FastAPI:
    """`metrics_token`: what a scraper must send as a bearer token for `/metrics`; without one
    `/metrics` answers 404 (platform/metrics.py says why)."""
    remember_parameter_facts()

    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        if lifespan is None:
            yield
            return
        async with lifespan(app):
            yield

    app = FastAPI(
        title=f"cinemesh {name}",
        version=version,
        description=description,
        lifespan=app_lifespan,
        docs_url=None,  # install_api_docs serves it without a CDN
        openapi_url="/openapi.json",
        redoc_url=None,
        # cinemesh observes through /metrics and its logs, not OpenTelemetry: with these on,
        # FastAPI asked the global OTel providers on every request whether any was configured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.service_name = name
    install_problem_handlers(app, error_statuses)
    install_data_exception_handler(app)
    ops = APIRouter(tags=["operations"])

    @ops.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @ops.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        failures: dict[str, str] = {}
        for check in ready_checks:
            try:
                await check()
            except Exception as exc:  # any failing dependency makes the service unready
                failures[getattr(check, "__name__", "check")] = type(exc).__name__
        if failures:
            body: dict[str, Any] = {"status": "unready", "service": name, "failures": failures}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ready", "service": name})

    @ops.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return metrics_response(request.headers.get("authorization"), metrics_token)

    app.include_router(ops)
    for router in routers:
        app.include_router(router)
    install_api_docs(app)
    install_api_contract(app)
    # Inside the size limit, which bounds the JSON bodies it reads whole.
    app.add_middleware(StorableTextMiddleware, exempt_prefixes=body_limit_exempt_prefixes)
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=max_body_bytes, exempt_prefixes=body_limit_exempt_prefixes
    )
    app.add_middleware(RequestContextMiddleware, service=name)
    return app
