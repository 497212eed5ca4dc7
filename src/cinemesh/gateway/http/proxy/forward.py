"""The gateway's request path: match a route, authenticate, forward through the guards.

Pure ASGI, so a streamed upstream response (a video segment) is relayed chunk by chunk. Each
upstream has its own circuit breaker and bulkhead: a failing or slow service is cut off quickly
and cannot take the capacity the other services need.

An event stream (`text/event-stream`, a video's live progress) stays open for minutes, mostly
idle: holding a bulkhead slot for all that time would let a dozen admin tabs starve the
service's API. Once such a response has started, it leaves the bulkhead and the breaker (its
upstream has answered: that is the breaker's success) and holds a slot of the upstream's
separate, larger stream limit instead. When that limit is full the stream simply keeps its
bulkhead slot, as any response does, so nothing is refused mid-response.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinemesh.gateway.domain import RouteTable
from cinemesh.gateway.http.proxy.problems import upstream_problem
from cinemesh.gateway.http.proxy.ratelimit import Admission, GatewayLimits
from cinemesh.gateway.http.proxy.streams import (
    ClientReceive,
    StreamLimit,
    is_event_stream,
    relay_until_over,
)
from cinemesh.gateway.revocations import SessionRevocations
from cinemesh.gateway.shared_state import SharedRevocations
from cinemesh.gateway.subrequest import SUBREQUEST_SCOPE_KEY
from cinemesh.platform.client_address import TrustedProxies, with_client_address
from cinemesh.platform.context import REQUEST_ID_HEADER, request_id_var
from cinemesh.platform.logging import get_logger
from cinemesh.platform.metrics import UPSTREAM_FAILURES
from cinemesh.platform.problems import Problem, problem_response
from cinemesh.platform.resilience import Bulkhead, BulkheadFullError, CircuitBreaker, CircuitOpenError
from cinemesh.platform.security import PRINCIPAL_SCOPE_KEY, authenticate
from cinemesh.platform.termination import on_termination
from cinemesh.platform.tokens import Principal, TokenVerifier

access_log = get_logger("cinemesh.gateway.access")


async def no_route(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a path the route table does not know (the proxy's fallback)."""
    problem = Problem(404, f"No route for {scope.get('method', '')} {scope['path']}.", code="no-route")
    await problem_response(problem, instance=scope["path"])(scope, receive, send)


class UpstreamServerError(Exception):
    """The upstream answered 5xx: counted as a failure by its breaker, relayed to the client."""


@dataclass
class GuardedUpstream:
    app: ASGIApp
    breaker: CircuitBreaker
    bulkhead: Bulkhead
    streams: StreamLimit = field(default_factory=StreamLimit)


class GatewayProxy:
    def __init__(
        self,
        *,
        routes: RouteTable,
        upstreams: Mapping[str, GuardedUpstream],
        verifier: TokenVerifier,
        first_byte_timeout: float,
        fallback: ASGIApp,
        revocations: SessionRevocations | None = None,
        limits: GatewayLimits | None = None,
        trusted_proxies: TrustedProxies | None = None,
        shared_revocations: SharedRevocations | None = None,
    ) -> None:
        missing = routes.upstream_names - set(upstreams)
        if missing:
            raise ValueError(f"routes name upstreams that are not configured: {sorted(missing)}")
        self.routes = routes
        self.upstreams = upstreams
        self.verifier = verifier
        self.first_byte_timeout = first_byte_timeout
        self.fallback = fallback
        self.revocations = revocations
        self.limits = limits
        self.shared_revocations = shared_revocations
        self.trusted_proxies = trusted_proxies or TrustedProxies()
        self._stopping: asyncio.Event | None = None

    def _closing(self) -> asyncio.Event:
        """Set when the process is asked to stop: granian drains open connections before the
        lifespan ends, so relayed event streams must end at the signal or shutdown would wait
        for them (over HTTP the upstream service may not be stopping at all)."""
        if self._stopping is None:
            self._stopping = asyncio.Event()
            on_termination(self._stopping.set, asyncio.get_running_loop())
        return self._stopping

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fallback(scope, receive, send)
            return
        route = self.routes.match(scope["path"])
        if route is None:
            await self.fallback(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        admission: Admission | None = None

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # The service stamped the id the gateway gave it; the gateway's own middleware
                # stamps it on the way out, so the upstream's copy would be a second header.
                message["headers"] = _without_request_id(message.get("headers", []))
                if admission is not None:
                    message["headers"] += admission.headers
            await send(message)

        upstream_name = route.upstream
        try:
            principal, client_address, admission = await self.admit(scope)
            if admission is not None:
                receive = admission.receive(receive)
            caller = principal.user_id if principal else client_address
            upstream_name = route.upstream_for(caller)
            forwarded = dict(scope)
            forwarded[PRINCIPAL_SCOPE_KEY] = principal
            forwarded["headers"] = with_client_address(_with_request_id(scope["headers"]), client_address)
            await self._forward(upstream_name, forwarded, receive, observed_send)
        except Problem as problem:
            if status:
                raise
            await problem_response(problem, instance=scope["path"])(scope, receive, observed_send)
        finally:
            if admission is not None:
                await admission.settle()
            access_log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                upstream=upstream_name,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )

    async def admit(self, scope: Scope) -> tuple[Principal | None, str, Admission | None]:
        """Who calls (401 for a bad or ended token), from which address, and the rate limits'
        answer (429 past them). A sub-request of a page the gateway composes was charged as
        part of that page."""
        authorization = dict(scope["headers"]).get(b"authorization")
        principal = await authenticate(
            self.verifier, authorization.decode("latin-1") if authorization else None
        )
        if principal is not None and await self._ended(principal):
            raise Problem(
                401,
                "This session has ended (signed out everywhere, or the account is gone); sign in again.",
                code="session-ended",
                headers={"WWW-Authenticate": 'Bearer realm="cinemesh", error="invalid_token"'},
            )
        client_address = self.trusted_proxies.client(scope)
        admission = None
        if self.limits is not None and not scope.get(SUBREQUEST_SCOPE_KEY):
            admission = await self.limits.admit(scope, principal, client_address)
        return principal, client_address, admission

    async def _ended(self, principal: Principal) -> bool:
        if self.revocations is not None and self.revocations.refuses(principal):
            return True
        return self.shared_revocations is not None and await self.shared_revocations.refuses(principal)

    async def _forward(self, name: str, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = self.upstreams[name]
        first_byte: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        status = 0
        event_stream = False

        async def tracking_send(message: Message) -> None:
            nonlocal status, event_stream
            if message["type"] == "http.response.start":
                status = message["status"]
                event_stream = is_event_stream(message.get("headers", []))
                _settle(first_byte, True)
            await send(message)

        client = ClientReceive(receive)
        call: asyncio.Future[None] | None = None
        detached = False
        try:
            async with guarded.bulkhead, guarded.breaker:
                call = asyncio.ensure_future(guarded.app(scope, client, tracking_send))
                await self._await_first_byte(call, first_byte, name)
                detached = event_stream and status < 500 and not call.done() and guarded.streams.try_take()
                if not detached:
                    await self._finish(name, call, lambda: status)
        except UpstreamServerError:
            UPSTREAM_FAILURES.labels(name, "server_error").inc()
        except (CircuitOpenError, BulkheadFullError, TimeoutError, OSError, httpx.TransportError) as exc:
            raise upstream_problem(name, exc) from exc
        if detached and call is not None:
            # Outside the bulkhead and the breaker: only the stream limit is held from here on.
            try:
                ended = await relay_until_over(call, client, self._closing())
                if ended == "upstream":
                    await self._finish(name, call, lambda: status)
                elif ended == "shutdown":  # the client gets a clean end, and reconnects elsewhere
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            except UpstreamServerError:
                UPSTREAM_FAILURES.labels(name, "stream_broken").inc()
            except (OSError, httpx.TransportError):
                # The client has its 200 and the events so far; an SSE client reconnects.
                UPSTREAM_FAILURES.labels(name, "stream_broken").inc()
            finally:
                guarded.streams.release()

    @staticmethod
    async def _finish(name: str, call: asyncio.Future[None], status: Callable[[], int]) -> None:
        """Waits for a started call to end; an error after its answer began is the upstream's."""
        try:
            await call
        except Exception as exc:
            if not status():
                raise
            # Starlette re-raises after it has sent its 500: the client has its answer.
            raise UpstreamServerError(f"{name} failed after answering {status()}") from exc
        if status() >= 500:
            raise UpstreamServerError(f"{name} answered {status()}")

    async def _await_first_byte(
        self, call: asyncio.Future[None], first_byte: asyncio.Future[bool], name: str
    ) -> None:
        """Times out an upstream that has not begun to answer; a started stream may run long.
        `first_byte` is settled by the answer's start (True), the call's end (True) or the deadline
        (False): one future and a timer, no task and wait set of their own per request."""
        call.add_done_callback(lambda _: _settle(first_byte, True))
        deadline = asyncio.get_running_loop().call_later(self.first_byte_timeout, _settle, first_byte, False)
        try:
            answered = await first_byte
        finally:
            deadline.cancel()
        if not answered:
            call.cancel()
            raise TimeoutError(f"{name} sent nothing within {self.first_byte_timeout} s")


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode()


def _without_request_id(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(key, value) for key, value in headers if key.lower() != _REQUEST_ID_KEY]


def _with_request_id(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Carries the gateway's request id to the service, whatever the client sent."""
    request_id = request_id_var.get()
    kept = [(key, value) for key, value in headers if key != _REQUEST_ID_KEY]
    return [*kept, (_REQUEST_ID_KEY, request_id.encode())] if request_id else kept
