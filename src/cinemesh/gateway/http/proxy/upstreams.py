"""Upstreams the gateway forwards to: an ASGI app in the same process, or a service URL.

Both speak ASGI to the gateway, so the proxy logic (auth, breaker, bulkhead, timeouts) is the
same whether the services run in-process (`cinemesh up`) or one per container (`cinemesh serve`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    """Forwards over HTTP with a pooled client, streaming both bodies."""

    def __init__(self, name: str, base_url: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP_BY_HOP]
        request_id = request_id_var.get()
        if request_id:
            headers = [(k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower().encode()]
            headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
        client_host = (scope.get("client") or ("", 0))[0]
        if client_host:
            headers.append((b"x-forwarded-for", client_host.encode()))
        url = self.base_url + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        request = self.client.build_request(
            scope["method"], url, headers=headers, content=_request_body(receive)
        )
        response = await self.client.send(request, stream=True)
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
