"""`cinemesh history reshard`: adds the configured spare shards to the ring, online.

1. The target ring (the stored one plus the spares) is stored beside it. From then on every
   access finds a user whose shard changes in `history_moved_users` or not (`shards.locate`).
2. Each such user is moved under the user's exclusive lock: their rows are copied to the
   target shard (replacing any copy a crashed run left there) and the user is marked moved in
   the same transaction of the service's own database that holds the lock; then the rows are
   deleted from the old shard. Reads and writes of that user wait for the copy (one user's
   rows), none is refused, none reaches a shard the user is not on.
3. Passes repeat until one finds nobody left (users that appeared meanwhile). The last pass runs
   under the global lock, so no new user can appear behind it, and the target becomes the ring
   in that transaction.

Rerunning after a crash continues where the stored state says. Only users whose slot changes
owner move, and only onto a new shard: the ring guarantees both (docs/sharding.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from cinemesh.history.ring_state import (
    RingState,
    history_key,
    is_moved,
    load_state,
    lock_all,
    lock_user,
    moved_users,
    save_state,
)
from cinemesh.history.shards import HistoryShards
from cinemesh.history.store import profiles, progress
from cinemesh.platform.db import Database
from cinemesh.platform.sharding import ConsistentHashRing

Progress = Callable[[int, int], None]  # (users moved so far, users to move in this pass)


@dataclass(frozen=True)
class ReshardReport:
    added: list[str]
    moved: int
    slots_moved: int
    slots: int


def target_ring(state: RingState, spares: list[str]) -> ConsistentHashRing:
    target = ConsistentHashRing.from_snapshot(state.ring.snapshot())
    for shard in spares:
        target.add_shard(shard, {"weight": 1.0})
    return target


async def start_move(shards: HistoryShards) -> RingState:
    """Stores the target ring (once: a rerun continues the stored move)."""
    state = await load_state(shards.primary, list(shards.by_id), create=False)
    if state.target is not None:
        return state
    spares = [shard for shard in shards.by_id if shard not in state.ring.get_all_shards()]
    if not spares:
        return state
    async with shards.primary.transaction() as session:
        await save_state(session, state.ring, target=target_ring(state, spares))
    return await load_state(shards.primary, list(shards.by_id), create=False)


async def users_to_move(shards: HistoryShards, state: RingState) -> list[str]:
    assert state.target is not None
    found: set[str] = set()
    for shard in state.ring.get_all_shards():
        async with shards.by_id[shard].session() as session:
            for table in (profiles, progress):
                found.update((await session.scalars(sa.select(table.c.user_id).distinct())).all())
    return sorted(
        user
        for user in found
        if state.ring.get_shard(history_key(user))[0] != state.target.get_shard(history_key(user))[0]
    )


async def move_user(shards: HistoryShards, state: RingState, user_id: str, *, locked: bool = True) -> None:
    assert state.target is not None
    source = shards.by_id[state.ring.get_shard(history_key(user_id))[0]]
    destination = shards.by_id[state.target.get_shard(history_key(user_id))[0]]
    async with shards.primary.transaction() as primary_session:
        if locked:
            await lock_user(primary_session, user_id, exclusive=True)
        # Moved already (a run that stopped before deleting the old rows): never copy them again.
        if not await is_moved(primary_session, user_id):
            await _copy(source, destination, user_id)
            await primary_session.execute(sa.insert(moved_users).values(user_id=user_id))
    async with source.transaction() as old:
        await old.execute(sa.delete(progress).where(progress.c.user_id == user_id))
        await old.execute(sa.delete(profiles).where(profiles.c.user_id == user_id))


async def _copy(source: Database, destination: Database, user_id: str) -> None:
    """The user's rows onto `destination`, replacing any copy a stopped run left there."""
    async with source.session() as read:
        rows = {
            table: [
                dict(r._mapping)
                for r in await read.execute(sa.select(table).where(table.c.user_id == user_id))
            ]
            for table in (profiles, progress)
        }
    async with destination.transaction() as write:
        for table in (progress, profiles):
            await write.execute(sa.delete(table).where(table.c.user_id == user_id))
        for table in (profiles, progress):
            if rows[table]:
                await write.execute(sa.insert(table), rows[table])


async def reshard(shards: HistoryShards, *, progress_to: Progress | None = None) -> ReshardReport:
    state = await start_move(shards)
    if state.target is None:
        return ReshardReport(added=[], moved=0, slots_moved=0, slots=0)
    added = [s for s in state.target.get_all_shards() if s not in state.ring.get_all_shards()]
    moved = 0
    while users := await users_to_move(shards, state):
        for index, user_id in enumerate(users, 1):
            await move_user(shards, state, user_id)
            moved += 1
            if progress_to:
                progress_to(index, len(users))
    async with shards.primary.transaction() as session:
        await lock_all(session)  # nothing reads or writes until the ring is switched
        for user_id in await users_to_move(shards, state):
            await move_user(shards, state, user_id, locked=False)
            moved += 1
        await session.execute(sa.delete(moved_users))
        await save_state(session, state.target, target=None)
    slots_moved = sum(count for shard, count in state.target.slot_counts().items() if shard in added)
    return ReshardReport(
        added=added, moved=moved, slots_moved=slots_moved, slots=2 ** state.ring.snapshot()["slot_bits"]
    )
