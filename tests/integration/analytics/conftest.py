from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.analytics.harness import AnalyticsHarness, running_analytics


@pytest.fixture
async def analytics(tmp_path: Path) -> AsyncIterator[AnalyticsHarness]:
    async with running_analytics(tmp_path) as harness:
        yield harness
