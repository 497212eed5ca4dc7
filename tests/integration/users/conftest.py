from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.users.harness import Harness, running_users


@pytest.fixture
async def users(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_users(tmp_path) as harness:
        yield harness
