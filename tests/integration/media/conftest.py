"""The media service alone, in-process, with a worker, on a temporary data dir.

Uploads must name a title media has heard of from the catalog's events; with no catalog running,
the harness publishes the catalog's snapshot event (`catalog.title.updated.v1`) on the service's
own bus, which the service's real consumer applies.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.contracts.publishing import to_envelope
from cinemesh.media.bootstrap import build_app
from cinemesh.media.settings import MediaSettings
from cinemesh.platform.settings import Settings
from tests.fixtures.media import MediaTokens

TUS = {"Tus-Resumable": "1.0.0"}


def subject(headers: dict[str, str]) -> str:
    """The user id in a bearer token (test tokens only; nothing is verified here)."""
    payload = headers["Authorization"].removeprefix("Bearer ").split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


def time_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def metadata(**pairs: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in pairs.items())


@dataclass
class MediaHarness:
    app: FastAPI
    client: httpx.AsyncClient
    tokens: MediaTokens
    data_dir: Path

    def auth(self, user_id: str = "provider-1", *roles: str) -> dict[str, str]:
        return self.tokens.headers(user_id, *(roles or ("content_provider",)))

    async def catalog_title(
        self,
        title_id: str,
        owner: str,
        *,
        status: str = "draft",
        version: int = 1,
        episode_ids: tuple[str, ...] = (),
    ) -> None:
        """What the catalog publishes when `owner` creates (or changes) a title."""
        document = {
            "id": title_id,
            "type": "tv_series" if episode_ids else "movie",
            "status": status,
            "seasons": [{"id": str(uuid.uuid4()), "episodes": [{"id": e} for e in episode_ids]}],
            "created_by": owner,
            "version": version,
        }
        event = TitleUpdatedV1(title_id=title_id, document=document, updated_at=time_now())
        await self.app.state.runtime.bus.publish(event.topic, to_envelope(event, source="cinemesh/catalog"))

    async def create(
        self, size: int, headers: dict[str, str], *, register_title: bool = True, **meta: str
    ) -> httpx.Response:
        meta.setdefault("title_id", str(uuid.uuid4()))
        if register_title and "Authorization" in headers:  # without a token the call is a 401 anyway
            await self.catalog_title(meta["title_id"], owner=subject(headers))
        return await self.client.post(
            "/api/v1/uploads",
            headers={**headers, "Upload-Length": str(size), "Upload-Metadata": metadata(**meta)},
        )

    async def upload(self, path: Path, headers: dict[str, str] | None = None, **meta: str) -> str:
        """A whole tus upload in two PATCHes; returns the video id."""
        headers = headers or self.auth()
        data = path.read_bytes()
        created = await self.create(len(data), headers, register_title=True, filename=path.name, **meta)
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        half = len(data) // 2
        for offset, chunk in ((0, data[:half]), (half, data[half:])):
            response = await self.client.patch(
                location,
                content=chunk,
                headers={
                    **headers,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            assert response.status_code == 204, response.text
        return location.rsplit("/", 1)[-1]

    async def video(self, video_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/videos/{video_id}", headers=headers or self.auth())
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    async def wait_for(self, video_id: str, *statuses: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            document = await self.video(video_id, self.tokens.headers("admin-1", "admin"))
            if document["status"] in statuses:
                return document
            if time.monotonic() > deadline:
                pytest.fail(f"video {video_id} still {document['status']} after {timeout}s: {document}")
            await asyncio.sleep(0.2)


def media_settings(**overrides: Any) -> MediaSettings:
    defaults: dict[str, Any] = {
        "workers": 1,
        "min_free_disk_bytes": 0,
        "poll_seconds": 0.2,
        "heartbeat_seconds": 0.5,
        "lease_seconds": 5,
        "retry_base_seconds": 0.2,
        "vmaf_subsample": 10,
    }
    return MediaSettings(**(defaults | overrides))


@asynccontextmanager
async def start_harness(
    tmp_path: Path, tokens: MediaTokens, settings: MediaSettings, *, platform: Settings | None = None
) -> AsyncIterator[MediaHarness]:
    app = build_app(
        platform or Settings(data_dir=tmp_path), jwks_fetcher=tokens.jwks, media_settings=settings
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://media.test", timeout=30) as client:
            yield MediaHarness(app, client, tokens, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_shape(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> Settings:
    """The platform settings of a test run on each database: SQLite in the test's directory,
    then a PostgreSQL database of its own."""
    if request.param == "postgresql":
        return Settings(data_dir=tmp_path, database_url=postgres_url_factory("media"))
    return Settings(data_dir=tmp_path)


@pytest.fixture
async def media(tmp_path: Path, media_tokens: MediaTokens) -> AsyncIterator[MediaHarness]:
    async with start_harness(tmp_path, media_tokens, media_settings()) as harness:
        yield harness


@pytest.fixture
async def media_api_only(tmp_path: Path, media_tokens: MediaTokens) -> AsyncIterator[MediaHarness]:
    async with start_harness(tmp_path, media_tokens, media_settings(workers=0)) as harness:
        yield harness
