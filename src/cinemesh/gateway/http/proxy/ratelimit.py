"""Rate limits at the gateway: which buckets a request takes from, and what the client is told.

Route classes: `auth` (/api/v1/auth: sign-in, sign-up, refresh, resets; strict, per client
address), `upload` (bodies sent to /api/v1/uploads, counted in bytes), `read` (GET, HEAD,
OPTIONS; generous) and `write` (the other methods). A signed-in caller takes from its user's
bucket and its address's; an anonymous one from its address's only. A request is admitted only
if every bucket it takes from has room.

The buckets live in the platform cache: in this process when embedded, on Redis when the cache
is Redis, so every gateway replica counts against the same buckets. If the store fails the
gateway admits (and logs): an outage of the limiter must not become an outage of the API. A
breaker stops a dead Redis from costing every request a timeout.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.types import Message, Receive, Scope

from cinemesh.gateway.settings import GatewaySettings
from cinemesh.platform.cache import CacheError
from cinemesh.platform.logging import get_logger
from cinemesh.platform.ratelimit import (
    BucketPolicy,
    Decision,
    Take,
    TokenBuckets,
    rate_limit_headers,
    refused,
)
from cinemesh.platform.resilience import CircuitBreaker, CircuitOpenError
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.gateway.ratelimit")

AUTH_PREFIX = "/api/v1/auth"
UPLOAD_PREFIX = "/api/v1/uploads"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RouteClass:
    name: str
    per_user: BucketPolicy | None
    per_ip: BucketPolicy | None
    by_bytes: bool = False


def _policy(name: str, quota: int, window: float, *, by_bytes: bool = False) -> BucketPolicy | None:
    return BucketPolicy(name, quota, window, "content-bytes" if by_bytes else "requests") if quota else None


def route_classes(settings: GatewaySettings) -> dict[str, RouteClass]:
    window, upload_window = settings.rate_window_seconds, settings.upload_window_seconds
    upload = settings.upload_bytes_per_user
    return {
        "auth": RouteClass("auth", None, _policy("auth-ip", settings.auth_per_ip, window)),
        "read": RouteClass(
            "read",
            _policy("read-user", settings.read_per_user, window),
            _policy("read-ip", settings.read_per_ip, window),
        ),
        "write": RouteClass(
            "write",
            _policy("write-user", settings.write_per_user, window),
            _policy("write-ip", settings.write_per_ip, window),
        ),
        "upload": RouteClass(
            "upload",
            _policy("upload-user", upload, upload_window, by_bytes=True),
            # Anonymous uploads are refused by the media service; their address is counted all the same.
            _policy("upload-ip", upload, upload_window, by_bytes=True),
            by_bytes=True,
        ),
    }


def classify(method: str, path: str) -> str:
    if path == AUTH_PREFIX or path.startswith(AUTH_PREFIX + "/"):
        return "auth"
    if method in READ_METHODS:
        return "read"
    if path == UPLOAD_PREFIX or path.startswith(UPLOAD_PREFIX + "/"):
        return "upload"
    return "write"


def _address_key(address: str) -> str:
    # Hashed: addresses (personal data) do not sit in the store in clear.
    return hashlib.blake2b(address.encode(), digest_size=12).hexdigest()


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return max(0, int(value))
            except ValueError:
                return None
    return None


@dataclass
class Admission:
    """An admitted request: the header fields for its response, and (for a body of unknown
    length) the bytes counted as they pass, charged when the request is over."""

    limits: GatewayLimits
    headers: list[tuple[bytes, bytes]]
    unmetered: Sequence[Take] = ()
    _bytes: int = field(default=0)

    def receive(self, receive: Receive) -> Receive:
        if not self.unmetered:
            return receive

        async def counting() -> Message:
            message = await receive()
            self._bytes += len(message.get("body", b""))
            return message

        return counting

    async def settle(self) -> None:
        if self.unmetered and self._bytes:
            charged = [Take(take.key, take.policy, self._bytes) for take in self.unmetered]
            await self.limits.take(charged, force=True)


class GatewayLimits:
    def __init__(self, settings: GatewaySettings, buckets: TokenBuckets, *, timeout: float = 2.0) -> None:
        self.classes = route_classes(settings)
        self.buckets = buckets
        self.timeout = timeout
        self.breaker = CircuitBreaker("ratelimit", failure_threshold=3, reset_timeout=5.0)

    def takes(self, scope: Scope, principal: Principal | None, client: str) -> tuple[list[Take], bool]:
        """The buckets this request takes from, and whether its cost is still unknown."""
        route_class = self.classes[classify(scope["method"], scope["path"])]
        cost, unknown = 1, False
        if route_class.by_bytes:
            length = _content_length(scope)
            cost, unknown = (length, False) if length is not None else (1, True)
        takes = []
        if route_class.per_user is not None and principal is not None:
            takes.append(Take(f"{route_class.name}:u:{principal.user_id}", route_class.per_user, cost))
        if route_class.per_ip is not None:
            takes.append(Take(f"{route_class.name}:ip:{_address_key(client)}", route_class.per_ip, cost))
        return [take for take in takes if take.cost > 0], unknown

    async def take(self, takes: Sequence[Take], *, force: bool = False) -> Decision | None:
        """The store's decision; None (admit) when it cannot say."""
        if not takes:
            return None
        try:
            async with self.breaker:
                async with asyncio.timeout(self.timeout):
                    return await self.buckets.take(takes, force=force)
        except CircuitOpenError:
            return None
        except (CacheError, TimeoutError) as exc:
            log.warning("ratelimit_unavailable", error=f"{type(exc).__name__}: {exc}")
            return None

    async def admit(self, scope: Scope, principal: Principal | None, client: str) -> Admission | None:
        """Raises the 429 problem past a limit; else what the response carries."""
        takes, unknown = self.takes(scope, principal, client)
        decision = await self.take(takes)
        if decision is None:
            return None
        if not decision.allowed:
            raise refused(decision)
        headers = [
            (key.lower().encode(), value.encode()) for key, value in rate_limit_headers(decision).items()
        ]
        return Admission(self, headers, takes if unknown else ())
