"""Event streams through the gateway: they leave the bulkhead once started, are relayed event by
event (nothing buffers them), and neither the first-byte timeout nor anything else cuts them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream
from cinemesh.gateway.http.proxy.streams import StreamLimit
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.platform.tokens import JwksKeySource, TokenVerifier
from tests.unit.gateway.test_proxy import _jwks, echo_upstream, gateway

SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]


ASGIApp = Callable[[Scope, Receive, Send], Any]


def event_source(events: list[asyncio.Event], started: asyncio.Event) -> ASGIApp:
    """An upstream that answers at once, then sends one event each time the test allows it."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        await send({"type": "http.response.body", "body": b"retry: 2000\n\n", "more_body": True})
        started.set()
        for index, allowed in enumerate(events):
            await allowed.wait()
            body = f"event: progress\ndata: {index}\n\n".encode()
            await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


def bare_proxy(app: ASGIApp, *, first_byte_timeout: float) -> tuple[GatewayProxy, dict[str, GuardedUpstream]]:
    """The proxy alone, to be driven with ASGI messages (no client library in between)."""
    guarded = {
        "media": GuardedUpstream(
            app=app,
            breaker=CircuitBreaker("media", failure_threshold=3, reset_timeout=30.0),
            bulkhead=Bulkhead("media", max_concurrent=1),
        )
    }
    proxy = GatewayProxy(
        routes=RouteTable([Route("/api/v1/videos", "media")]),
        upstreams=guarded,
        verifier=TokenVerifier(JwksKeySource(_jwks)),
        first_byte_timeout=first_byte_timeout,
        fallback=echo_upstream("fallback"),
    )
    return proxy, guarded


async def test_a_started_event_stream_leaves_the_bulkhead() -> None:
    release, started = asyncio.Event(), asyncio.Event()
    client, guarded = gateway(
        {"media": event_source([release], started)},
        [Route("/api/v1/videos", "media")],
        max_concurrent=1,
    )
    stream = asyncio.create_task(client.get("/api/v1/videos/v1/events"))
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.05)
    # The one slot is free again while the stream is open: the API is not starved by it.
    assert guarded["media"].bulkhead.active == 0
    assert guarded["media"].streams.open == 1
    release.set()
    response = await stream
    assert response.status_code == 200 and response.text.endswith("data: 0\n\n")
    assert guarded["media"].streams.open == 0
    assert guarded["media"].breaker.state == "closed"


async def test_a_full_stream_limit_keeps_the_bulkhead_slot_instead_of_refusing() -> None:
    release, started = asyncio.Event(), asyncio.Event()
    client, guarded = gateway({"media": event_source([release], started)}, [Route("/api/v1/videos", "media")])
    guarded["media"].streams = StreamLimit(0)
    stream = asyncio.create_task(client.get("/api/v1/videos/v1/events"))
    await asyncio.wait_for(started.wait(), 5)
    assert guarded["media"].bulkhead.active == 1
    release.set()
    assert (await stream).status_code == 200
    assert guarded["media"].bulkhead.active == 0


async def test_plain_responses_still_hold_their_slot_until_done() -> None:
    client, guarded = gateway({"users": echo_upstream("users")}, [Route("/api/v1/me", "users")])
    assert (await client.get("/api/v1/me")).status_code == 200
    assert guarded["users"].bulkhead.active == 0 and guarded["users"].streams.open == 0


async def test_each_event_reaches_the_client_before_the_next_is_made_and_no_timeout_cuts_it() -> None:
    """Driven at the ASGI level, where a buffering relay would show: the test lets the upstream
    make event N+1 only after the client has received event N, for longer than the first-byte
    timeout."""
    allowed = [asyncio.Event() for _ in range(4)]
    started = asyncio.Event()
    proxy, guarded = bare_proxy(event_source(allowed, started), first_byte_timeout=0.2)
    received: asyncio.Queue[Message] = asyncio.Queue()
    disconnected = asyncio.Event()

    async def receive() -> Message:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        await received.put(message)

    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/videos/v1/events",
        "raw_path": b"/api/v1/videos/v1/events",
        "query_string": b"",
        "headers": [(b"accept", b"text/event-stream")],
    }
    call = asyncio.create_task(proxy(scope, receive, send))
    assert (await asyncio.wait_for(received.get(), 5))["status"] == 200
    assert (await asyncio.wait_for(received.get(), 5))["body"] == b"retry: 2000\n\n"
    delays = []
    for index, allow in enumerate(allowed):
        await asyncio.sleep(0.1)  # 4 x 0.1 s: the stream outlives the 0.2 s first-byte timeout
        made = time.perf_counter()
        allow.set()
        message = await asyncio.wait_for(received.get(), 5)
        delays.append(time.perf_counter() - made)
        assert message["body"] == f"event: progress\ndata: {index}\n\n".encode()
    assert (await asyncio.wait_for(received.get(), 5))["more_body"] is False
    await asyncio.wait_for(call, 5)
    assert max(delays) < 0.05, delays
    assert guarded["media"].streams.open == 0 and guarded["media"].bulkhead.active == 0


async def test_a_stream_whose_client_left_is_cancelled_even_if_the_upstream_never_listens() -> None:
    """Like an HTTP upstream: it never reads `receive` once the request is sent, and the server
    silently drops what is sent to a closed connection; only the gateway can see the client go."""
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def deaf_stream(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        started.set()
        try:
            while True:
                await send({"type": "http.response.body", "body": b": keep-alive\n\n", "more_body": True})
                await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    proxy, guarded = bare_proxy(deaf_stream, first_byte_timeout=1.0)
    gone = asyncio.Event()
    received = 0

    async def receive() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal received
        received += 1

    scope: Scope = {"type": "http", "method": "GET", "path": "/api/v1/videos/v/events", "headers": []}
    call = asyncio.create_task(proxy(scope, receive, send))
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.2)
    assert guarded["media"].streams.open == 1 and received > 1
    gone.set()
    await asyncio.wait_for(call, 5)
    assert cancelled.is_set() and guarded["media"].streams.open == 0


async def test_stopping_the_gateway_ends_relayed_streams_cleanly() -> None:
    """At SIGTERM granian waits for open responses before the lifespan ends; a relayed stream
    whose upstream is not stopping would hold the gateway up, so it ends at the signal."""
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            cancelled.set()

    proxy, guarded = bare_proxy(endless, first_byte_timeout=1.0)
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "GET", "path": "/api/v1/videos/v/events", "headers": []}
    call = asyncio.create_task(proxy(scope, receive, send))
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.05)
    proxy._closing().set()  # what the SIGTERM hook does (tests/unit/platform/test_termination.py)
    await asyncio.wait_for(call, 5)
    assert cancelled.is_set() and guarded["media"].streams.open == 0
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
