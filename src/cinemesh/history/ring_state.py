"""The shard ring as stored state in history's own database, and the locks of a reshard.

`history_ring` holds the ring's snapshot, during a reshard the target ring's, and a version
that every change bumps (processes reload when it differs from theirs). `history_moved_users`
lists the users already copied to their target shard while a reshard runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.db import Database, rows_affected
from cinemesh.platform.sharding import ConsistentHashRing

SLOT_BITS = 12  # 4,096 slots: a move is within 1/4,096 of its ideal share; the snapshot stays small
_metadata = sa.MetaData()
ring_table = sa.Table(
    "history_ring",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("target", sa.JSON),
    sa.Column("version", sa.BigInteger, nullable=False),
)
moved_users = sa.Table(
    "history_moved_users", _metadata, sa.Column("user_id", sa.String(36), primary_key=True)
)

# Advisory lock keys (PostgreSQL's two-int form): 18537 ("Hi") + the user's hash for a user,
# 18546 ("Hr"), 0 for the reshard's global lock.


class ShardLayoutError(RuntimeError):
    """The configured shards do not hold the ring's: refuse rather than misplace rows."""


def history_key(user_id: str) -> str:
    return f"history:{user_id}"


@dataclass(frozen=True)
class RingState:
    ring: ConsistentHashRing
    target: ConsistentHashRing | None
    version: int


_LOCK_SHARED = sa.text(
    "SELECT pg_advisory_xact_lock_shared(18546, 0), pg_advisory_xact_lock_shared(18537, hashtext(:key))"
)
_LOCK_EXCLUSIVE = sa.text("SELECT pg_advisory_xact_lock(18537, hashtext(:key))")
_VERSION = sa.select(ring_table.c.version).where(ring_table.c.id == 1)


async def lock_user(session: AsyncSession, user_id: str, *, exclusive: bool = False) -> int:
    """The reshard's lock (shared) and the user's (shared, or exclusive to move the user); returns
    the ring's version read under them. Two statements: a statement's snapshot is taken when it
    starts, so a version read in the locking statement would predate a switch it waited for."""
    await session.execute(_LOCK_EXCLUSIVE if exclusive else _LOCK_SHARED, {"key": history_key(user_id)})
    return int((await session.scalar(_VERSION)) or 0)


async def lock_all(session: AsyncSession) -> None:
    """No user's history is read or written until this transaction ends (the final switch)."""
    await session.execute(sa.text("SELECT pg_advisory_xact_lock(18546, 0)"))


async def is_moved(session: AsyncSession, user_id: str) -> bool:
    return (
        await session.scalar(sa.select(moved_users.c.user_id).where(moved_users.c.user_id == user_id))
    ) is not None


async def load_state(primary: Database, shard_ids: list[str], *, create: bool) -> RingState:
    """The stored ring; made from `shard_ids` on first start (`create`)."""
    async with primary.transaction() as session:
        return await read_state(session, shard_ids, create=create)


async def read_state(session: AsyncSession, shard_ids: list[str], *, create: bool = False) -> RingState:
    """As `load_state`, in the caller's transaction (an access reloading the ring under its
    locks must not wait for a second connection of a pool its peers may have drained)."""
    row = (await session.execute(sa.select(ring_table).where(ring_table.c.id == 1))).first()
    if row is None:
        if not create:
            raise ShardLayoutError("no shard ring is stored yet")
        ring = ConsistentHashRing(slot_bits=SLOT_BITS)
        for shard in shard_ids:
            ring.add_shard(shard, {"weight": 1.0})
        await save_state(session, ring, target=None)
        return RingState(ring, None, 1)
    ring = ConsistentHashRing.from_snapshot(row.snapshot)
    target = ConsistentHashRing.from_snapshot(row.target) if row.target else None
    needed = set(ring.get_all_shards()) | set(target.get_all_shards() if target else ())
    if missing := needed - set(shard_ids):
        raise ShardLayoutError(
            f"the ring holds {sorted(missing)}, which CINEMESH_HISTORY_SHARDS does not name; "
            "shards are added with `cinemesh history reshard` (removing one is not supported)"
        )
    return RingState(ring, target, int(row.version))


async def save_state(
    session: AsyncSession, ring: ConsistentHashRing, *, target: ConsistentHashRing | None
) -> None:
    values = {
        "snapshot": ring.snapshot(),
        "fingerprint": ring.fingerprint(),
        "updated_at": dt.datetime.now(dt.UTC),
        "target": target.snapshot() if target else None,
        "version": ring_table.c.version + 1,
    }
    updated = await session.execute(sa.update(ring_table).where(ring_table.c.id == 1).values(values))
    if rows_affected(updated) == 0:
        await session.execute(sa.insert(ring_table).values(id=1, **{**values, "version": 1}))
