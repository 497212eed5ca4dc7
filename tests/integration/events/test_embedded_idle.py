"""The embedded log at rest: fetchers read nothing while nothing changes, and still notice
another process's commit (the change watcher), quickly after it backs off."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.envelope import Envelope

pytestmark = pytest.mark.integration


def _event(seq: int) -> Envelope:
    return Envelope(source="tests", type="test.idle.v1", subject="k", data={"seq": seq})


async def test_an_idle_fetch_reads_the_log_once_not_every_poll(tmp_path: Path) -> None:
    async with EmbeddedEventBus(tmp_path / "events.db", poll_interval=0.01) as bus:
        reads = 0
        real_read = bus._read

        async def counting_read(fn, *args):  # type: ignore[no-untyped-def]
            nonlocal reads
            reads += 1
            return await real_read(fn, *args)

        bus._read = counting_read  # type: ignore[method-assign]
        async with bus.subscribe("g", ["t"]) as subscription:
            assert await subscription.fetch(timeout=1.0) == []
            # One read of the committed offsets when the lease is taken, one of the log; the
            # old loop read the log every poll_interval (about 100 times in this second).
            assert reads <= 3
            await bus.publish("t", _event(1))
            [record] = await subscription.fetch(timeout=1.0)
            assert record.envelope.data == {"seq": 1}


async def test_another_process_commit_is_noticed_after_the_watcher_backed_off(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    async with (
        EmbeddedEventBus(path, poll_interval=0.02, idle_poll_interval=0.3) as reader,
        EmbeddedEventBus(path) as writer,
        reader.subscribe("g", ["t"]) as subscription,
    ):
        assert await subscription.fetch(timeout=1.0) == []  # long enough to reach the idle pace
        waiting = asyncio.create_task(subscription.fetch(timeout=5.0))
        await asyncio.sleep(0.05)
        published = time.monotonic()
        await writer.publish("t", _event(2))
        [record] = await waiting
        assert record.envelope.data == {"seq": 2}
        assert time.monotonic() - published < 2.0  # the idle pace, not the fetch timeout
