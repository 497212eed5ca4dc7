"""Every history integration test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.integration.history.harness import HistoryHarness, running_history


@pytest.fixture(params=["sqlite", "postgres"])
async def history(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[HistoryHarness]:
    database_url = postgres_url_factory("history") if request.param == "postgres" else None
    async with running_history(tmp_path, database_url=database_url) as harness:
        yield harness
