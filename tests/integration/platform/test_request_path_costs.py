"""What keeps a signed-in request's CPU flat as concurrency grows (issue 19, bench.request_path):
a service keeps a database connection for every request the gateway lets in at once, and a
ready server's start-up heap is out of the garbage collector's way."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest
from sqlalchemy import event, text

from cinemesh.platform.db import Database
from cinemesh.platform.heap import freeze_startup_heap
from cinemesh.platform.settings import Settings

pytestmark = pytest.mark.integration


async def test_a_burst_as_wide_as_the_bulkhead_opens_no_connection_twice(tmp_path: Path) -> None:
    # Wider than the pool of 32 that was kept before: each request past it opened a connection
    # (a thread, the file, four PRAGMAs) and closed it again.
    settings = Settings(data_dir=tmp_path, upstream_max_concurrency=40)
    database = Database.for_service(settings, "catalog")
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(database.engine.sync_engine, "connect", count)
    all_in = asyncio.Barrier(settings.upstream_max_concurrency)  # passed, it serves the next burst

    async def request() -> None:
        async with database.session() as session:
            await session.execute(text("SELECT 1"))
            await all_in.wait()  # every request holds its connection at once

    try:
        for _ in range(3):
            await asyncio.gather(*(request() for _ in range(settings.upstream_max_concurrency)))
        assert opened == settings.upstream_max_concurrency
    finally:
        await database.dispose()


def test_a_ready_server_freezes_its_start_up_heap() -> None:
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0  # full collections no longer walk what start-up built
        assert gc.isenabled()  # what requests leave behind is still collected
    finally:
        gc.unfreeze()
