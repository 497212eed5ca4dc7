"""The outbox and inbox tests' shared fixtures: a service database on both engines, and a bus."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinemesh.platform.db import Database
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.outbox import messaging_metadata

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[Sessions]:
    """A service database with the messaging tables and the test module's own `service_metadata`."""
    service_metadata: sa.MetaData = request.module.service_metadata
    url = (
        postgres_url_factory("events")
        if request.param == "postgresql"
        else f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    )
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(messaging_metadata.create_all)
        await connection.run_sync(service_metadata.create_all)
    yield database.sessionmaker
    await database.dispose()


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[EmbeddedEventBus]:
    async with EmbeddedEventBus(tmp_path / "events.db") as bus:
        yield bus
