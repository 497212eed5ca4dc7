"""Resharding on real PostgreSQL databases: 3 shards -> 4 while a writer sends reports for
1,000 users. Afterwards every user's latest position is exactly the last one sent (no report
lost, none applied twice or out of order), only the users whose slot the ring gave the new shard
moved (the share within 1 % of ideal), none moved between old shards, and no write failed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.history.bootstrap import MIGRATIONS, NAME
from cinemesh.history.reshard import reshard
from cinemesh.history.ring_state import history_key
from cinemesh.history.settings import HistorySettings
from cinemesh.history.shards import HistoryShards, shard_id
from cinemesh.history.store import progress
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from tests.integration.history.harness import HistoryHarness, Playback, running_history

pytestmark = pytest.mark.timeout(600)
USERS = 1000


async def positions_by_shard(urls: list[str]) -> dict[str, dict[str, float]]:
    """shard id -> {user id: position} of every progress row there."""
    found: dict[str, dict[str, float]] = {}
    for url in urls:
        database = Database(url)
        try:
            async with database.session() as session:
                rows = (
                    await session.execute(sa.select(progress.c.user_id, progress.c.position_seconds))
                ).all()
            found[shard_id(url)] = {user: position for user, position in rows}
        finally:
            await database.dispose()
    return found


async def send_round(
    history: HistoryHarness, plays: list[Playback], position: float, sent: dict[str, float]
) -> None:
    for play in plays:
        await history.feed(play.report(position, at=history.at()))
        sent[play.viewer.user_id] = position


async def test_three_shards_to_four_under_writes(
    tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> None:
    primary = postgres_url_factory("history")
    urls = [postgres_url_factory(f"history_shard{i}") for i in range(4)]
    sent: dict[str, float] = {}
    began = time.monotonic()
    async with running_history(
        tmp_path, database_url=primary, history_settings=HistorySettings(shards=urls[:3])
    ) as history:
        viewers = []
        for _ in range(USERS // 8):  # eight at a time: the pools hold 15 connections
            viewers += await asyncio.gather(*(history.viewer() for _ in range(8)))
        plays = [Playback(viewer=v, content_id=(c := new_id_str()), title_id=c) for v in viewers]
        await asyncio.gather(*(send_round(history, plays[i::8], 100.0, sent) for i in range(8)))
        print(f"setup {time.monotonic() - began:.1f} s")
        before = history.app.state.context.service.shards.state.ring

    # The service restarts with the fourth database named (a spare until the reshard moves
    # the ring's share onto it); a separate tool process moves the users, as the CLI does.
    settings = HistorySettings(shards=urls)
    async with running_history(tmp_path, database_url=primary, history_settings=settings) as history:
        tool_primary = Database.for_service(Settings(data_dir=tmp_path, database_url=primary), NAME)
        tool = HistoryShards(primary=tool_primary, urls=urls)
        await tool.start(service=NAME, migrations=MIGRATIONS, bus=None)
        try:
            mover = asyncio.create_task(reshard(tool))
            started, rounds = time.monotonic(), 0
            while not mover.done() or rounds < 1:  # writes all along the move, at least one round
                rounds += 1
                await send_round(history, plays, 100.0 + rounds, sent)
            report = await mover
            print(f"moved in {time.monotonic() - started:.1f} s, {rounds} rounds")
        finally:
            await tool.stop()
            await tool_primary.dispose()
        after = history.app.state.context.service.shards
        for viewer in viewers[:3]:  # the service reads the new layout
            viewer.token = history.issuer.issue(user_id=viewer.user_id, roles=["viewer"])
            items = (await history.get(viewer, "/api/v1/history/continue-watching")).json()["items"]
            assert [item["position_seconds"] for item in items] == [sent[viewer.user_id]]
        elapsed = time.monotonic() - started
        ring = after.state.ring

    new_shard = shard_id(urls[3])
    assert report.added == [new_shard]
    assert abs(report.slots_moved / report.slots / 0.25 - 1) <= 0.01
    placed = await positions_by_shard(urls)
    where = {user: shard for shard, users in placed.items() for user in users}
    assert sum(len(users) for users in placed.values()) == USERS  # each user once, nothing left behind
    for viewer in viewers:
        user = viewer.user_id
        assert where[user] == ring.get_shard(history_key(user))[0]
        assert placed[where[user]][user] == sent[user]  # the last report sent, exactly
        old = before.get_shard(history_key(user))[0]
        assert where[user] in (old, new_shard)  # nobody moved between old shards
    moved = [v for v in viewers if where[v.user_id] != before.get_shard(history_key(v.user_id))[0]]
    assert len(moved) == report.moved and all(where[v.user_id] == new_shard for v in moved)
    assert 0.2 < len(moved) / USERS < 0.3, len(moved)
    print(f"reshard: moved {len(moved)} users in {elapsed:.1f} s with {rounds} rounds of writes, 0 errors")
