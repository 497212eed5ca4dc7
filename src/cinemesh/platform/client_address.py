"""Who the client is, as the gateway saw it: what per-client limits count.

Behind the gateway a service's own peer is the gateway (over HTTP), and the client's own
headers (`X-Forwarded-For` included) say whatever the client likes. So the gateway writes the
address it saw into `X-Cinemesh-Client`, replacing any value the client sent, and services read
that header; a service reached without the gateway (tests, the embedded app) uses its peer.
"""

from __future__ import annotations

from starlette.types import Scope

CLIENT_ADDRESS_HEADER = b"x-cinemesh-client"


def peer_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_address(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == CLIENT_ADDRESS_HEADER:
            return bytes(value).decode("latin-1")
    return peer_address(scope)


def with_client_address(headers: list[tuple[bytes, bytes]], address: str) -> list[tuple[bytes, bytes]]:
    """The headers to forward: the client's own `X-Cinemesh-Client`, if any, replaced."""
    kept = [(key, value) for key, value in headers if key != CLIENT_ADDRESS_HEADER]
    return [*kept, (CLIENT_ADDRESS_HEADER, address.encode("latin-1", "replace"))]
