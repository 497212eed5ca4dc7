"""Who the client is, as the gateway saw it: what per-client limits count.

Behind the gateway a service's own peer is the gateway (over HTTP), and the client's own
headers (`X-Forwarded-For` included) say whatever the client likes. So the gateway writes the
address it saw (or, behind proxies it trusts, the hop of `X-Forwarded-For` they name: see
`TrustedProxies`) into `X-Cinemesh-Client`, replacing any value the client sent, and services read
that header; a service reached without the gateway (tests, the embedded app) uses its peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

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


class TrustedProxies:
    """Which `X-Forwarded-For` hop is the client: the proxies in front of the gateway (the edge,
    an ingress, a load balancer) are listed as networks; the hops are read from the right (the
    one nearest us) and the first address that is not a trusted proxy is the client. With no
    proxy listed, or a peer that is not one, the header is ignored: anyone can write it."""

    def __init__(self, networks: Iterable[str] = ()) -> None:
        self.networks = tuple(ipaddress.ip_network(network.strip(), strict=False) for network in networks)

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, scope: Scope) -> str:
        client = peer_address(scope)
        if not self.networks or not self.trusts(client):
            return client
        hops = [
            hop.strip()
            for key, value in scope.get("headers", [])
            if key == b"x-forwarded-for"
            for hop in bytes(value).decode("latin-1").split(",")
        ]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # garbage a client wrote: the last hop we could read is as far as we trust
            client = hop
            if not self.trusts(hop):
                break
        return client
