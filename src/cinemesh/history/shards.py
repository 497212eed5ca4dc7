"""Where a user's history lives: one database, or N PostgreSQL shards placed by user id.

With `CINEMESH_HISTORY_SHARDS` empty (the embedded default), the service's own database holds
everything. With N database URLs, rows are placed by `cinemesh.platform.sharding` on
`history:{user_id}` (`get_user_view_history_shard`'s key). The ring's layout depends on its
history of changes (docs/sharding.md, "Operating it"), so its snapshot is state: it is kept in
the service's own database (`history_ring`), made from the configured list on first start, and
a start whose list names a shard the ring does not know (or misses one it does) is refused:
changing the shards is `cinemesh history reshard`'s job, not a settings edit.

Each shard is a whole history database (the same migrations): its rows and, in the same
transactions, its outbox, published by a relay of its own. The service's own database keeps the
consumer's inbox and the ring.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.outbox import OUTBOX_PENDING, OutboxRelay
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.sharding import ConsistentHashRing

SLOT_BITS = 12  # 4,096 slots: a move is within 1/4,096 of its ideal share; the snapshot stays small
ring_table = sa.Table(
    "history_ring",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


class ShardLayoutError(RuntimeError):
    """The configured shards are not the ring's: refuse to start rather than misplace rows."""


def shard_id(url: str) -> str:
    """A shard's name in the ring: where it is, without credentials (the ring is stored)."""
    parsed = make_url(url)
    return f"{parsed.host or 'local'}:{parsed.port or 5432}/{parsed.database}"


def history_key(user_id: str) -> str:
    return f"history:{user_id}"


class HistoryShards:
    def __init__(self, *, primary: Database, urls: Sequence[str] = ()) -> None:
        self.primary = primary
        self.by_id = {shard_id(url): Database(url) for url in urls}
        self.ring: ConsistentHashRing | None = None
        self._relays: list[OutboxRelay] = []
        self._ready = asyncio.Event()
        if not urls:
            self._ready.set()

    @property
    def sharded(self) -> bool:
        return bool(self.by_id)

    def databases(self) -> list[Database]:
        return list(self.by_id.values()) or [self.primary]

    async def start(self, *, service: str, migrations: Path, bus: EventBus) -> None:
        """Migrates every shard, loads (or makes) the ring, starts each shard's outbox relay."""
        if not self.sharded:
            return
        try:
            for database in self.by_id.values():
                await upgrade_to_head(database, service=service, script_location=migrations)
            self.ring = await load_ring(self.primary, list(self.by_id), create=True)
        except BaseException:
            await self.stop()  # the app does not start: nothing else would close these pools
            raise
        for database in self.by_id.values():
            relay = OutboxRelay(database.sessionmaker, bus)
            database.on_commit_with(OUTBOX_PENDING, relay.wake)
            await relay.start()
            self._relays.append(relay)
        self._ready.set()

    async def stop(self) -> None:
        for relay in self._relays:
            await relay.stop()
        self._relays.clear()
        for database in self.by_id.values():
            await database.dispose()

    async def database_for(self, user_id: str) -> Database:
        if not self.sharded:
            return self.primary
        await self._ready.wait()
        assert self.ring is not None
        shard, _ = self.ring.get_shard(history_key(user_id))
        return self.by_id[shard]

    @asynccontextmanager
    async def transaction(
        self, user_id: str, *, joined: AsyncSession | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A transaction on the user's database. `joined` (the event consumer's session, on the
        service's own database) is used when that is where the user lives, so the inbox claim
        and the effect commit together; a shard's write commits on its own and is idempotent
        (a report applies only if newer; profile changes are upserts and deletes)."""
        database = await self.database_for(user_id)
        if joined is not None and database is self.primary:
            yield joined
            return
        async with database.transaction() as session:
            yield session

    @asynccontextmanager
    async def session(self, user_id: str) -> AsyncIterator[AsyncSession]:
        database = await self.database_for(user_id)
        async with database.session() as session:
            yield session


async def load_ring(primary: Database, shard_ids: list[str], *, create: bool) -> ConsistentHashRing:
    async with primary.transaction() as session:
        stored = (
            await session.execute(sa.select(ring_table.c.snapshot).where(ring_table.c.id == 1))
        ).scalar()
        if stored is None:
            if not create:
                raise ShardLayoutError("no shard ring is stored yet")
            ring = ConsistentHashRing(slot_bits=SLOT_BITS)
            for shard in shard_ids:
                ring.add_shard(shard, {"weight": 1.0})
            await save_ring(session, ring)
            return ring
    ring = ConsistentHashRing.from_snapshot(stored)
    if set(ring.get_all_shards()) != set(shard_ids):
        raise ShardLayoutError(
            f"CINEMESH_HISTORY_SHARDS names {sorted(shard_ids)} but the ring holds "
            f"{sorted(ring.get_all_shards())}: change shards with `cinemesh history reshard`"
        )
    return ring


async def save_ring(session: AsyncSession, ring: ConsistentHashRing) -> None:
    values = {
        "snapshot": ring.snapshot(),
        "fingerprint": ring.fingerprint(),
        "updated_at": dt.datetime.now(dt.UTC),
    }
    updated = await session.execute(sa.update(ring_table).where(ring_table.c.id == 1).values(values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(sa.insert(ring_table).values(id=1, **values))
