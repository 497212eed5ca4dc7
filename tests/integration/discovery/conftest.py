"""Discovery beside a real catalog in-process, on one embedded event log: titles are made and
published through the catalog's API and reach search only through its events. SQLite and
PostgreSQL (a schema per service in one database)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cinemesh.discovery.bootstrap import build_app
from cinemesh.discovery.settings import DiscoverySettings
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer
from tests.integration.catalog.conftest import Catalog, eventually, running_catalog, settings_for


@dataclass
class Discovery:
    app: FastAPI
    client: httpx.AsyncClient
    catalog: Catalog

    async def search(self, q: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(
            "/api/v1/search", params={"q": q, **params}, headers=headers or self.catalog.auth()
        )

    async def titles(self, q: str, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
        response = await self.search(q, headers, **params)
        assert response.status_code == 200, response.text
        return [hit["title"] for hit in response.json()["hits"]]

    async def found(self, q: str, title: str, *, present: bool = True, **params: Any) -> float:
        """Waits until `title` is (or is no longer) found by `q`; returns the seconds it took."""
        started = time.monotonic()

        async def check() -> bool:
            return (title in await self.titles(q, **params)) == present

        await eventually(
            check, what=f"{title!r} {'in' if present else 'out of'} results for {q!r}", timeout=5
        )
        return time.monotonic() - started


@asynccontextmanager
async def running_discovery(settings: Settings, catalog: Catalog) -> AsyncIterator[Discovery]:
    async def jwks() -> dict[str, Any]:
        return catalog.issuer.jwks()

    app = build_app(settings, jwks_fetcher=jwks, discovery_settings=DiscoverySettings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://discovery") as client:
            yield Discovery(app, client, catalog)


@pytest.fixture(params=["sqlite", "postgresql"])
def discovery_settings(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> Settings:
    return settings_for(tmp_path, None if request.param == "sqlite" else postgres_url_factory("discovery"))


@pytest.fixture
async def discovery(discovery_settings: Settings) -> AsyncIterator[Discovery]:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)
    async with (
        running_catalog(discovery_settings, issuer) as catalog,
        running_discovery(discovery_settings, catalog) as running,
    ):
        yield running
