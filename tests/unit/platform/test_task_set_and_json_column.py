"""TaskSet stops everything it started; PydanticJSON reads stored contract data back typed."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.ext.asyncio import create_async_engine

from cinemesh.platform.background import TaskSet
from cinemesh.platform.db_types import PydanticJSON


async def test_stop_cancels_loops_and_done_tasks_leave_the_set() -> None:
    tasks = TaskSet("test")
    started = asyncio.Event()
    cancelled: list[str] = []

    async def loop() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append("loop")
            raise

    async def one_off() -> None:
        return None

    async def failing() -> None:
        raise RuntimeError("logged, not raised at stop")

    tasks.spawn("loop", loop())
    tasks.spawn("one-off", one_off())
    tasks.spawn("failing", failing())
    await started.wait()
    await asyncio.sleep(0)
    assert len(tasks) == 1  # the finished and the failed ones removed themselves
    await tasks.stop()
    assert cancelled == ["loop"]
    assert len(tasks) == 0


async def test_every_repeats_and_survives_failures() -> None:
    tasks = TaskSet("test")
    calls: list[int] = []

    async def work() -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("one bad run")

    tasks.every(0.01, work, failure_event="test_work_failed")
    for _ in range(200):
        if len(calls) >= 4:
            break
        await asyncio.sleep(0.01)
    await tasks.stop()
    assert len(calls) >= 4


class Rendition(BaseModel):
    name: str
    height: int


@pytest.mark.parametrize("shape", ["model", "list"])
async def test_pydantic_json_round_trips_typed_values(shape: str) -> None:
    column_type: PydanticJSON[object]
    value: object
    if shape == "model":
        column_type, value = PydanticJSON(Rendition), Rendition(name="v720", height=720)
    else:
        column_type = PydanticJSON(TypeAdapter(list[Rendition]))
        value = [Rendition(name="v240", height=240), Rendition(name="v1080", height=1080)]
    metadata = sa.MetaData()
    table = sa.Table(
        "t", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("doc", column_type)
    )
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(table.insert().values(id=1, doc=value))
        await connection.execute(table.insert().values(id=2, doc=None))
        rows = (await connection.execute(sa.select(table.c.doc).order_by(table.c.id))).scalars().all()
        raw = (await connection.execute(sa.text("SELECT doc FROM t WHERE id = 1"))).scalar_one()
    await engine.dispose()
    assert rows == [value, None]
    assert "height" in raw  # stored as plain JSON text, readable by any tool
