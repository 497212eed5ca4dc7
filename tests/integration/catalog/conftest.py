"""The catalog service in-process, on SQLite and on PostgreSQL, with tokens we sign ourselves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from cinemesh.catalog.bootstrap import build_app
from cinemesh.catalog.read.store.tables import DocumentRow
from cinemesh.catalog.settings import CatalogSettings
from cinemesh.catalog.write.store.tables import TitleRow
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import to_envelope
from cinemesh.platform.db import Database
from cinemesh.platform.events.outbox import inbox_table
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer

EDGE_SECRET = "edge-secret-for-tests-0123456789"
DEADLINE = 15.0


async def eventually(check: Callable[[], Awaitable[bool]], *, what: str, timeout: float = DEADLINE) -> None:
    """Awaits an asynchronous effect with a deadline (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Catalog:
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    database: Database
    settings: Settings

    def auth(
        self, *, user_id: str | None = None, roles: tuple[str, ...] = (), country: str | None = "US"
    ) -> dict[str, str]:
        extra = {"country": country} if country else {}
        token = self.issuer.issue(user_id=user_id or new_id_str(), roles=roles, extra=extra)
        return {"Authorization": f"Bearer {token}"}

    def admin(self, **kwargs: Any) -> dict[str, str]:
        return self.auth(roles=("admin",), **kwargs)

    async def publish(self, event: EventContract, *, source: str = "cinemesh/tests") -> str:
        envelope = to_envelope(event, source=source)
        await self.app.state.runtime.bus.publish(event.topic, envelope, key=event.subject)
        return envelope.id

    async def events(self, topic: str, subject: str, *, until: Callable[[list[str]], bool]) -> list[str]:
        """Types of the events about `subject` on the bus, once `until(types)` holds (the relay is async)."""
        types: list[str] = []

        async def arrived() -> bool:
            nonlocal types
            bus = self.app.state.runtime.bus
            async with bus.subscribe(f"tests-{new_id_str()}", [topic]) as subscription:
                records = []
                while batch := await subscription.fetch(max_records=1000, timeout=0.05):
                    records.extend(batch)
            types = [r.envelope.type for r in records if r.envelope.subject == subject]
            return until(types)

        await eventually(arrived, what=f"events about {subject} on {topic}")
        return types

    async def consumed(self, group: str, event_id: str) -> None:
        async def done() -> bool:
            async with self.database.session() as session:
                found = await session.scalar(
                    sa.select(sa.func.count())
                    .select_from(inbox_table)
                    .where(inbox_table.c.consumer_group == group, inbox_table.c.event_id == event_id)
                )
            return bool(found)

        await eventually(done, what=f"{group} to consume {event_id}")

    async def settled(self) -> None:
        """The read model has caught up with every title of the write model."""

        async def caught_up() -> bool:
            async with self.database.session() as session:
                written = dict((await session.execute(sa.select(TitleRow.id, TitleRow.version))).all())
                projected = dict(
                    (await session.execute(sa.select(DocumentRow.id, DocumentRow.version))).all()
                )
            return written == projected

        await eventually(caught_up, what="the read model to catch up")

    async def every_page(
        self, url: str, params: dict[str, Any], headers: dict[str, str]
    ) -> list[dict[str, Any]]:
        """Follows `next_cursor` to the end; every page holds at most `params["limit"]` items."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            response = await self.client.get(
                url, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers
            )
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) <= params["limit"]
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    async def create(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.post("/api/v1/titles", json=body, headers=headers or self.admin())
        assert response.status_code == 201, response.text
        document: dict[str, Any] = response.json()
        return document

    async def publish_title(
        self, body: dict[str, Any], windows: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Create, window, attach a video and publish, as an admin; waits for the read model."""
        headers = self.admin()
        title = await self.create(body, headers)
        title_id = title["id"]
        windows = windows if windows is not None else [{"country": "US", "starts_at": "2020-01-01T00:00:00Z"}]
        response = await self.client.put(
            f"/api/v1/titles/{title_id}/availability", json=windows, headers=headers
        )
        assert response.status_code == 200, response.text
        # A series plays its episodes: the first one gets the video.
        episodes = [e["id"] for s in title["seasons"] for e in s["episodes"]]
        video_url = f"/api/v1/titles/{title_id}" + (f"/episodes/{episodes[0]}" if episodes else "")
        if body.get("type") != "tv_series" or episodes:
            response = await self.client.put(
                f"{video_url}/video", json={"video_id": new_id_str()}, headers=headers
            )
            assert response.status_code == 200, response.text
        response = await self.client.post(f"/api/v1/titles/{title_id}/publish", headers=headers)
        assert response.status_code == 200, response.text
        await self.settled()
        document: dict[str, Any] = response.json()
        return document


def settings_for(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path, database_url=database_url, object_store="filesystem", event_bus="embedded"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, postgres_url_factory: Callable[[str], str]) -> str | None:
    return None if request.param == "sqlite" else postgres_url_factory("catalog")


@asynccontextmanager
async def running_catalog(settings: Settings, issuer: TokenIssuer) -> AsyncIterator[Catalog]:
    async def jwks() -> dict[str, Any]:
        return issuer.jwks()

    app = build_app(
        settings,
        jwks_fetcher=jwks,
        catalog_settings=CatalogSettings(edge_secret=EDGE_SECRET, expiry_interval_seconds=3600),
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
            yield Catalog(app, client, issuer, app.state.context.service.database, settings)


@pytest.fixture
def catalog_settings(tmp_path: Path, database_url: str | None) -> Settings:
    return settings_for(tmp_path, database_url)


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer([SigningKey.generate()], ttl_seconds=600)


@pytest.fixture
async def catalog(catalog_settings: Settings, issuer: TokenIssuer) -> AsyncIterator[Catalog]:
    async with running_catalog(catalog_settings, issuer) as running:
        yield running
