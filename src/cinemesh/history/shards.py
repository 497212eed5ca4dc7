"""Where a user's history lives: one database, or N PostgreSQL shards placed by user id.

With `CINEMESH_HISTORY_SHARDS` empty (the embedded default), the service's own database holds
everything. With N database URLs, rows are placed by `cinemesh.platform.sharding` on
`history:{user_id}` (`get_user_view_history_shard`'s key). The ring's layout depends on its
history of changes (docs/sharding.md), so it is state, kept in the service's own database
(`ring_state.py`); a configured shard the ring does not hold yet is a spare that
`cinemesh history reshard` moves the ring's share onto, online (`reshard.py`).

Every access to a user's shard runs inside a transaction on the service's own database that
holds two shared advisory locks: the reshard's (global) and the user's. Moving a user takes the
user's lock exclusively, and the final switch of the ring the global one, so no read or write
ever sees a user half moved, and none is refused meanwhile: they wait for one user's copy.

Each shard is a whole history database (the same migrations): rows and, in the same
transactions, their events (its outbox, published by a relay of its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.history.ring_state import (
    RingState,
    ShardLayoutError,
    history_key,
    load_state,
    lock_user,
    read_state,
)
from cinemesh.history.ring_state import is_moved as user_is_moved
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.outbox import OUTBOX_PENDING, OutboxRelay
from cinemesh.platform.migrations import upgrade_to_head

__all__ = ["HistoryShards", "ShardLayoutError", "history_key", "shard_id"]


def shard_id(url: str) -> str:
    """A shard's name in the ring: where it is, without credentials (the ring is stored)."""
    parsed = make_url(url)
    return f"{parsed.host or 'local'}:{parsed.port or 5432}/{parsed.database}"


class HistoryShards:
    def __init__(self, *, primary: Database, urls: Sequence[str] = ()) -> None:
        self.primary = primary
        self.by_id = {shard_id(url): Database(url) for url in urls}
        self.state: RingState | None = None
        self._relays: list[OutboxRelay] = []
        self._ready = asyncio.Event()
        if not urls:
            self._ready.set()

    @property
    def sharded(self) -> bool:
        return bool(self.by_id)

    async def start(self, *, service: str, migrations: Path, bus: EventBus | None) -> None:
        """Migrates every shard, loads (or makes) the ring, starts each shard's outbox relay."""
        if not self.sharded:
            return
        if not self.primary.is_postgres:
            raise ShardLayoutError("history shards need the service's own database on PostgreSQL (locks)")
        try:
            for database in self.by_id.values():
                await upgrade_to_head(database, service=service, script_location=migrations)
            self.state = await load_state(self.primary, list(self.by_id), create=True)
        except BaseException:
            await self.stop()  # the app does not start: nothing else would close these pools
            raise
        for database in self.by_id.values():
            if bus is None:  # a tool (reshard) that only moves rows: no events of its own
                break
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

    async def locate(self, primary_session: AsyncSession, user_id: str) -> Database:
        """The user's database, with the user's locks held by `primary_session`'s transaction."""
        await self._ready.wait()
        version = await lock_user(primary_session, user_id)
        if self.state is None or self.state.version != version:
            self.state = await read_state(primary_session, list(self.by_id))
        state = self.state
        home = state.ring.get_shard(history_key(user_id))[0]
        if state.target is None:
            return self.by_id[home]
        destination = state.target.get_shard(history_key(user_id))[0]
        if destination != home and await user_is_moved(primary_session, user_id):
            return self.by_id[destination]
        return self.by_id[home]

    @asynccontextmanager
    async def _locked(self, joined: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        if joined is not None:
            yield joined
            return
        async with self.primary.transaction() as session:
            yield session

    @asynccontextmanager
    async def transaction(
        self, user_id: str, *, joined: AsyncSession | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A transaction on the user's database. `joined` is the event consumer's session (on the
        service's own database): unsharded, the effect commits with the inbox claim; sharded,
        the shard's write commits first, and is idempotent (a report applies only if newer,
        profile changes are upserts and deletes), so a redelivery changes nothing."""
        if not self.sharded:
            async with self._locked(joined) as session:
                yield session
            return
        async with self._locked(joined) as primary_session:
            database = await self.locate(primary_session, user_id)
            async with database.transaction() as session:
                yield session

    @asynccontextmanager
    async def session(self, user_id: str) -> AsyncIterator[AsyncSession]:
        if not self.sharded:
            async with self.primary.session() as session:
                yield session
            return
        async with self.primary.transaction() as primary_session:
            database = await self.locate(primary_session, user_id)
            async with database.session() as session:
                yield session
