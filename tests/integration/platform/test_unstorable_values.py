"""What a database refuses as a value (SQLSTATE class 22) is the request's fault: a 422, not a
500, so a breaker in front never counts it against the service; real failures stay 500."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text
from starlette.routing import Mount

from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.platform.db import Database
from cinemesh.platform.http import create_service_app
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker, CircuitState
from cinemesh.platform.tokens import JwksKeySource, TokenVerifier

pytestmark = pytest.mark.integration


@pytest.fixture
async def database(postgres_url_factory: Callable[[str], str]) -> AsyncIterator[Database]:
    database = Database(postgres_url_factory("unstorable"))
    yield database
    await database.dispose()


def _app_over(database: Database) -> httpx.AsyncClient:
    router = APIRouter()

    @router.get("/api/v1/things/{number}")
    async def thing(number: str) -> dict[str, int]:
        # A route that forgot to bound its input: the database refuses the cast (22P02 / 22003).
        async with database.session() as session:
            value = (
                await session.execute(text("SELECT CAST(CAST(:n AS text) AS integer)"), {"n": number})
            ).scalar_one()
        return {"number": value}

    @router.get("/api/v1/broken")
    async def broken() -> None:
        async with database.session() as session:
            await session.execute(text("SELECT * FROM no_such_table"))

    @router.get("/api/v1/mistyped")
    async def mistyped() -> None:
        # Our bug, not the input's: asyncpg refuses a str bound where the query wants an int.
        async with database.session() as session:
            await session.execute(text("SELECT CAST(:n AS integer)"), {"n": "42"})

    async def jwks() -> dict[str, object]:
        return {"keys": []}

    service = create_service_app(name="things", routers=[router])
    breaker = CircuitBreaker("things", failure_threshold=3, reset_timeout=30.0)
    proxy = GatewayProxy(
        routes=RouteTable([Route("/api/v1", "things")]),
        upstreams={
            "things": GuardedUpstream(
                app=service, breaker=breaker, bulkhead=Bulkhead("things", max_concurrent=4)
            )
        },
        verifier=TokenVerifier(JwksKeySource(jwks)),
        first_byte_timeout=5.0,
        fallback=no_route,
    )
    outer = create_service_app(name="gateway-test")
    outer.router.routes.append(Mount("", app=proxy))
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer, raise_app_exceptions=False), base_url="http://gw"
    )
    client.breaker = breaker  # type: ignore[attr-defined]
    return client


async def test_a_value_the_database_refuses_is_a_422_and_does_not_open_the_breaker(
    database: Database,
) -> None:
    async with _app_over(database) as gateway:
        for number in ("not-a-number", "99999999999999999999", "1e5") * 3:
            response = await gateway.get(f"/api/v1/things/{number}")
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("/unstorable-value")
        assert gateway.breaker.state is CircuitState.CLOSED  # type: ignore[attr-defined]
        assert (await gateway.get("/api/v1/things/42")).json() == {"number": 42}


async def test_a_real_database_failure_is_still_a_500_that_the_breaker_counts(database: Database) -> None:
    async with _app_over(database) as gateway:
        for path in ("/api/v1/broken", "/api/v1/mistyped", "/api/v1/broken"):
            response = await gateway.get(path)
            assert response.status_code == 500, response.text
        assert gateway.breaker.state is CircuitState.OPEN  # type: ignore[attr-defined]
