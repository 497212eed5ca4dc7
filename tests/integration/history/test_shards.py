"""CINEMESH_HISTORY_SHARDS on real PostgreSQL databases: each user's rows (and the events
recorded with them) live on the shard the ring names for `history:{user_id}`, only there; the
API and erasure work across shards; the ring is kept, and a changed shard list is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from cinemesh.contracts.users import UserDeletedV1
from cinemesh.history.settings import HistorySettings
from cinemesh.history.shards import ShardLayoutError, history_key, shard_id
from cinemesh.history.store import progress
from cinemesh.platform.db import Database
from cinemesh.platform.events.outbox import outbox_table
from cinemesh.platform.ids import new_id_str
from tests.integration.history.harness import Playback, running_history

pytestmark = pytest.mark.timeout(180)


async def rows_by_shard(urls: list[str]) -> dict[str, set[str]]:
    """shard id -> the user ids with progress rows there."""
    found: dict[str, set[str]] = {}
    for url in urls:
        database = Database(url)
        try:
            async with database.session() as session:
                users = (await session.scalars(sa.select(progress.c.user_id))).all()
            found[shard_id(url)] = set(users)
        finally:
            await database.dispose()
    return found


async def outbox_subjects(url: str) -> list[str]:
    database = Database(url)
    try:
        async with database.session() as session:
            payloads = (await session.scalars(sa.select(outbox_table.c.payload))).all()
        return [orjson.loads(p)["data"]["user_id"] for p in payloads]
    finally:
        await database.dispose()


async def test_rows_live_on_the_users_shard_only(
    tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> None:
    primary = postgres_url_factory("history")
    urls = [postgres_url_factory(f"history_shard{i}") for i in range(3)]
    sharded = HistorySettings(shards=urls)
    async with running_history(tmp_path, database_url=primary, history_settings=sharded) as history:
        ring = history.app.state.context.service.shards.state.ring
        viewers = [await history.viewer() for _ in range(30)]
        for viewer in viewers:
            content_id = new_id_str()
            movie = Playback(viewer=viewer, content_id=content_id, title_id=content_id)
            await history.feed(movie.report(300, at=history.at()))
        for viewer in viewers[:5]:
            items = (await history.get(viewer, "/api/v1/history/continue-watching")).json()["items"]
            assert [item["position_seconds"] for item in items] == [300]
        placed = await rows_by_shard(urls)
        for viewer in viewers:
            home, _ = ring.get_shard(history_key(viewer.user_id))
            assert [shard for shard, users in placed.items() if viewer.user_id in users] == [home]
        assert all(placed.values()), placed  # 30 users over 3 shards: none empty
        for url in urls:  # the coalesced events went out with their rows, from the rows' shard
            assert set(await outbox_subjects(url)) == placed[shard_id(url)]

        gone = viewers[0]
        await history.feed(UserDeletedV1(user_id=gone.user_id, deleted_at=dt.datetime.now(dt.UTC)))
        assert all(gone.user_id not in users for users in (await rows_by_shard(urls)).values())
        assert (await history.get(gone, "/api/v1/history/continue-watching")).status_code == 404
        fingerprint = ring.fingerprint()

    async with running_history(tmp_path, database_url=primary, history_settings=sharded) as history:
        assert (
            history.app.state.context.service.shards.state.ring.fingerprint() == fingerprint
        )  # kept, not rebuilt

    fewer = HistorySettings(shards=urls[:2])
    with pytest.raises(ShardLayoutError, match="reshard"):
        async with running_history(tmp_path, database_url=primary, history_settings=fewer):
            pass

    # The operator's command adds a fourth (the moves themselves: test_reshard.py).
    more = [*urls, postgres_url_factory("history_shard3")]
    env = {**os.environ, "CINEMESH_DATA_DIR": str(tmp_path), "CINEMESH_DATABASE_URL": primary}
    env["CINEMESH_HISTORY_SHARDS"] = json.dumps(more)
    done = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).parent / "cinemesh"), "history", "reshard"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"Added {shard_id(more[3])}" in done.stderr and "moved" in done.stderr
    grown = HistorySettings(shards=more)
    async with running_history(tmp_path, database_url=primary, history_settings=grown) as history:
        assert len(history.app.state.context.service.shards.state.ring.get_all_shards()) == 4
