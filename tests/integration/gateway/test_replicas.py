"""Retries and outlier detection against real HTTP replicas on loopback: a replica killed or
answering 503 is routed around, ejected, then probed back; under a full outage the retry budget
caps the calls the upstream gets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.routing import Mount

from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.gateway.http.proxy.replicas import OutlierPolicy
from cinemesh.gateway.http.proxy.retries import Retries, RetryPolicy
from cinemesh.gateway.http.proxy.upstreams import HttpUpstream
from cinemesh.platform.http import create_service_app
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.platform.tokens import JwksKeySource, SigningKey, TokenIssuer, TokenVerifier

ISSUER = TokenIssuer([SigningKey.generate()], ttl_seconds=60)


async def _jwks() -> dict[str, Any]:
    return ISSUER.jwks()


class Replica:
    """A tiny HTTP/1.1 server (keep-alive) that counts calls and answers `status`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.status = 200
        self.calls = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def kill(self) -> None:
        """Stops listening and drops its connections, as a killed process would."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if length:
                    await reader.readexactly(length)
                self.calls += 1
                body = f"{self.name}:{self.status}".encode()
                writer.write(
                    b"HTTP/1.1 %d X\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n%s"
                    % (self.status, len(body), body)
                )
                await writer.drain()
        finally:
            self._writers.discard(writer)
            writer.close()


@asynccontextmanager
async def gateway(
    replicas: list[Replica], policy: RetryPolicy, outliers: OutlierPolicy
) -> AsyncIterator[tuple[httpx.AsyncClient, HttpUpstream]]:
    async with httpx.AsyncClient(timeout=5.0) as pool:
        upstream = HttpUpstream(
            "catalog",
            ",".join(replica.url for replica in replicas),
            pool,
            retries=Retries("catalog", policy, deadline=5.0),
            outliers=outliers,
        )
        guarded = GuardedUpstream(
            app=upstream,
            # The breaker stays out of the way: these tests are about what happens before it.
            breaker=CircuitBreaker("catalog", failure_threshold=10_000, reset_timeout=30.0),
            bulkhead=Bulkhead("catalog", max_concurrent=16),
        )
        proxy = GatewayProxy(
            routes=RouteTable([Route("/api/v1/titles", "catalog")]),
            upstreams={"catalog": guarded},
            verifier=TokenVerifier(JwksKeySource(_jwks)),
            first_byte_timeout=5.0,
            fallback=no_route,
        )
        outer = create_service_app(name="gateway-test")
        outer.router.routes.append(Mount("", app=proxy))
        transport = httpx.ASGITransport(app=outer)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client, upstream


@asynccontextmanager
async def started(*names: str) -> AsyncIterator[list[Replica]]:
    replicas = [Replica(name) for name in names]
    for replica in replicas:
        await replica.start()
    try:
        yield replicas
    finally:
        for replica in replicas:
            if replica.listening:
                await replica.kill()


QUICK = RetryPolicy(attempts=2, backoff_base=0.001, backoff_max=0.005, budget_min_per_second=10)
EJECT = OutlierPolicy(consecutive_failures=3, base_ejection=0.5, max_ejection=2.0)
NO_EJECTION = OutlierPolicy(consecutive_failures=10_000)


async def test_a_replica_answering_503_is_routed_around_ejected_and_probed_back() -> None:
    async with started("good", "bad") as (good, bad):
        bad.status = 503
        async with gateway([good, bad], QUICK, EJECT) as (client, upstream):
            answers = [await client.get("/api/v1/titles") for _ in range(20)]
            assert [a.status_code for a in answers] == [200] * 20
            assert all(a.text == "good:200" for a in answers)
            assert bad.calls == 3  # then ejected: no more calls
            assert upstream.replicas.replicas[1].ejected_until
            bad.status = 200
            await asyncio.sleep(0.6)  # the ejection is over: probed back
            answers = [await client.get("/api/v1/titles") for _ in range(10)]
            assert {a.text for a in answers} == {"good:200", "bad:200"}
            assert not upstream.replicas.replicas[1].probation


async def test_a_killed_replica_is_routed_around_and_comes_back_when_restarted() -> None:
    async with (
        started("good", "dead") as (good, dead),
        gateway([good, dead], QUICK, EJECT) as (client, upstream),
    ):
        assert {(await client.get("/api/v1/titles")).text for _ in range(4)} == {"good:200", "dead:200"}
        await dead.kill()
        answers = [await client.get("/api/v1/titles") for _ in range(20)]
        assert [a.status_code for a in answers] == [200] * 20  # each failed call retried on `good`
        assert upstream.replicas.replicas[1].ejected_until
        await dead.start()  # on the same port
        await asyncio.sleep(0.6)
        answers = [await client.get("/api/v1/titles") for _ in range(10)]
        assert "dead:200" in {a.text for a in answers}


async def test_the_budget_caps_retries_under_a_full_outage() -> None:
    async with started("first", "second") as (first, second):
        first.status = second.status = 503
        # A floor of 5 retries (0.5/s over 10 s) and 20 % of the requests: 5 + 0.2 * 100 = 25.
        policy = RetryPolicy(attempts=3, backoff_base=0.0, budget_ratio=0.2, budget_min_per_second=0.5)
        async with gateway([first, second], policy, NO_EJECTION) as (client, _):
            answers = [await client.get("/api/v1/titles") for _ in range(100)]
            assert {a.status_code for a in answers} == {503}
            calls = first.calls + second.calls
            assert 100 + 20 <= calls <= 100 + 25  # without a budget: 300


async def test_writes_are_not_retried() -> None:
    async with started("first", "second") as (first, second):
        first.status = second.status = 503
        async with gateway([first, second], QUICK, NO_EJECTION) as (client, _):
            answers = [await client.post("/api/v1/titles", content=b"{}") for _ in range(10)]
            assert {a.status_code for a in answers} == {503}
            assert first.calls + second.calls == 10
