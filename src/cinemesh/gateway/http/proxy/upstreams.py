"""Upstreams the gateway forwards to: an ASGI app in the same process, or a service URL.

Both speak ASGI to the gateway, so the proxy logic (auth, breaker, bulkhead, timeouts) is the
same whether the services run in-process (`cinemesh up`) or one per container (`cinemesh serve`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinemesh.gateway.http.proxy.replicas import OutlierPolicy, ReplicaSet
from cinemesh.gateway.http.proxy.retries import RETRIED_ERRORS, RETRIED_STATUSES, Retries
from cinemesh.platform.context import REQUEST_ID_HEADER, request_id_var

# RFC 9110 section 7.6.1: connection-specific headers are not forwarded.
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)


class InProcessUpstream:
    """Calls the service's ASGI app directly: no socket, no copy, streaming preserved."""

    def __init__(self, name: str, app: ASGIApp) -> None:
        self.name = name
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class HttpUpstream:
    """Forwards over HTTP with a pooled client, streaming both bodies, to one of the service's
    replicas (`replicas.py`); an idempotent call that failed before its answer began is retried
    on another replica, within the budget (`retries.py`)."""

    def __init__(
        self,
        name: str,
        base_url: str | Sequence[str],
        client: httpx.AsyncClient,
        *,
        retries: Retries | None = None,
        outliers: OutlierPolicy | None = None,
    ) -> None:
        self.name = name
        urls = replica_urls(base_url) if isinstance(base_url, str) else list(base_url)
        self.replicas = ReplicaSet(name, urls, outliers or OutlierPolicy())
        self.base_url = self.replicas.replicas[0].url
        self.client = client
        self.retries = retries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _forwarded_headers(scope)
        target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        retryable = self.retries is not None and self.retries.begin(scope["method"])
        # A call that may be sent again needs its body again (GET/HEAD/OPTIONS: empty, or nearly).
        body: bytes | AsyncIterator[bytes] = (
            b"".join([chunk async for chunk in _request_body(receive)])
            if retryable
            else _request_body(receive)
        )
        started, attempt, replica = time.monotonic(), 0, None
        while True:
            attempt += 1
            replica = self.replicas.pick(avoid=replica)
            replica.outstanding += 1
            try:
                response = await self._send(scope["method"], replica.url + target, headers, body)
            except RETRIED_ERRORS as exc:
                replica.outstanding -= 1
                self.replicas.failed(replica)
                delay = self._retry_delay(retryable, attempt, started, type(exc).__name__)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                continue
            except BaseException:
                replica.outstanding -= 1
                raise
            try:
                if response.status_code >= 500:
                    self.replicas.failed(replica)
                    delay = None
                    if response.status_code in RETRIED_STATUSES:
                        delay = self._retry_delay(retryable, attempt, started, str(response.status_code))
                    if delay is not None:
                        await response.aclose()
                        await asyncio.sleep(delay)
                        continue
                else:
                    self.replicas.succeeded(replica)
                await _relay(response, send)
                return
            finally:
                replica.outstanding -= 1

    async def _send(
        self, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes | AsyncIterator[bytes]
    ) -> httpx.Response:
        request = self.client.build_request(method, url, headers=headers, content=body)
        return await self.client.send(request, stream=True)

    def _retry_delay(self, retryable: bool, attempt: int, started: float, reason: str) -> float | None:
        if not retryable or self.retries is None:
            return None
        return self.retries.next_delay(attempt, started, reason)


def replica_urls(value: str) -> list[str]:
    """A service's URLs in CINEMESH_UPSTREAMS: one, or several separated by commas."""
    urls = [url.strip() for url in value.split(",") if url.strip()]
    if not urls:
        raise ValueError(f"no URL in {value!r}")
    return urls


def _forwarded_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP_BY_HOP]
    request_id = request_id_var.get()
    if request_id:
        headers = [(k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower().encode()]
        headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
    client_host = (scope.get("client") or ("", 0))[0]
    if client_host:
        headers.append((b"x-forwarded-for", client_host.encode()))
    return headers


async def _relay(response: httpx.Response, send: Send) -> None:
    try:
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(k, v) for k, v in response.headers.raw if k.lower() not in _HOP_BY_HOP],
            }
        )
        async for chunk in response.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        await response.aclose()


async def _request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return
        body = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return
