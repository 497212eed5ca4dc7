"""Transactional outbox: events are written in the same transaction as the state they describe.

A service never publishes straight to the bus from a request: if it committed and then crashed
before publishing, the event would be lost; if it published first and then rolled back, the
world would hear of a change that never happened. Instead `add_to_outbox` stores the event in
the service's own database, inside the caller's transaction, and `OutboxRelay` publishes what
was committed: publish first, then mark published. A crash between the two re-sends the event
(at-least-once); consumers drop the duplicate with their inbox.

The tables (`outbox`, `inbox`, `dead_letters`) are defined here once and created by each
service's Alembic migration through `create_messaging_tables(op)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinemesh.platform.background import BackgroundTask
from cinemesh.platform.db import rows_affected
from cinemesh.platform.events.bus import EventBus, logger
from cinemesh.platform.events.envelope import Envelope

messaging_metadata = sa.MetaData()

# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

outbox_table = sa.Table(
    "outbox",
    messaging_metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),  # publish order
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("payload", sa.LargeBinary(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    # Partial index: the relay's query touches only the (few) unpublished rows.
    sa.Index(
        "ix_outbox_unpublished",
        "seq",
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    ),
)

inbox_table = sa.Table(
    "inbox",
    messaging_metadata,
    sa.Column("consumer_group", sa.String(255), primary_key=True),
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
)

dead_letters_table = sa.Table(
    "dead_letters",
    messaging_metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("consumer_group", sa.String(255), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("partition", sa.Integer(), nullable=False),
    sa.Column("offset", sa.BigInteger(), nullable=False),
    sa.Column("payload", sa.LargeBinary(), nullable=False),
    sa.Column("error", sa.Text(), nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_dead_letters_group", "consumer_group", "failed_at"),
)


class MigrationContext(Protocol):
    """What the tables need of Alembic's `op` (the module proxy satisfies it)."""

    def get_bind(self) -> Connection: ...


def create_messaging_tables(op: MigrationContext) -> None:
    """Creates outbox, inbox and dead_letters; call from a service's Alembic `upgrade()`."""
    messaging_metadata.create_all(op.get_bind(), checkfirst=True)


def drop_messaging_tables(op: MigrationContext) -> None:
    """The matching `downgrade()` step."""
    messaging_metadata.drop_all(op.get_bind(), checkfirst=True)


# Set in a session's `info` when it stages an event; see `Database.on_commit_with`.
OUTBOX_PENDING = "cinemesh.outbox_pending"


async def add_to_outbox(
    session: AsyncSession, topic: str, envelope: Envelope, *, key: str | None = None
) -> None:
    """Stages `envelope` for `topic` in the caller's transaction; it is published after commit."""
    session.info[OUTBOX_PENDING] = True  # wakes the relay once the transaction commits
    await session.execute(
        outbox_table.insert().values(
            event_id=envelope.id,
            topic=topic,
            key=key if key is not None else envelope.subject,
            payload=envelope.to_bytes(),
            created_at=dt.datetime.now(dt.UTC),
        )
    )


async def add_many_to_outbox(session: AsyncSession, events: list[tuple[str, Envelope]]) -> None:
    """Stages `(topic, envelope)` pairs in order with one multi-row statement (keyed by subject):
    a bulk write records its thousands of events without a round trip each."""
    if not events:
        return
    session.info[OUTBOX_PENDING] = True
    now = dt.datetime.now(dt.UTC)
    await session.execute(
        outbox_table.insert(),
        [
            {
                "event_id": envelope.id,
                "topic": topic,
                "key": envelope.subject,
                "payload": envelope.to_bytes(),
                "created_at": now,
            }
            for topic, envelope in events
        ],
    )


# PostgreSQL advisory lock (class id, object id = hash of the schema) that elects one publishing
# relay per service schema. Not SKIP LOCKED: a second relay skipping locked rows would publish a
# later event of an aggregate before an earlier one that the first relay is still sending.
_RELAY_LOCK_CLASS = 0x0CE5


class OutboxRelay:
    """Publishes committed outbox rows, oldest first; then marks them published."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: EventBus,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        idle_poll_interval: float = 30.0,
        retention: dt.timedelta = dt.timedelta(days=7),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # Commits in this process wake the relay; the poll only finds rows another process (or a
        # crash) left, so it slows down while it finds none: an idle server does not spin.
        self.idle_poll_interval = max(idle_poll_interval, poll_interval)
        self.retention = retention
        self._wakeup = asyncio.Event()
        self._task = BackgroundTask("outbox-relay")

    def wake(self) -> None:
        """Publish now rather than at the next poll; call after committing outbox rows."""
        self._wakeup.set()

    async def start(self) -> None:
        self._task.start(self._run)

    async def stop(self) -> None:
        await self._task.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        pruned_at = float("-inf")
        failures = idle_rounds = 0
        while True:
            self._wakeup.clear()
            try:
                published = await self.publish_pending()
                if loop.time() - pruned_at > 3600:
                    await self.prune_published()
                    pruned_at = loop.time()
                failures = 0
                idle_rounds = 0 if published else idle_rounds + 1
            except Exception:
                failures += 1
                logger.exception("outbox relay failed (%d in a row); retrying", failures)
            # Back off while the bus or the database is down, or while there is nothing to send;
            # a commit's wake-up cuts any wait short.
            if failures:
                delay = min(self.poll_interval * 2**failures, 30.0)
            else:
                delay = min(self.poll_interval * 2 ** min(idle_rounds, 16), self.idle_poll_interval)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wakeup.wait()

    async def publish_pending(self) -> int:
        """Publishes every committed unpublished row; returns how many this relay published."""
        total = 0
        while True:
            published = await self._publish_batch()
            total += published
            if published < self.batch_size:
                return total

    async def _publish_batch(self) -> int:
        if not await self._has_pending():
            return 0  # checked with a read first: claiming the publisher is a write on SQLite
        async with self._sessionmaker() as session, session.begin():
            if not await self._claim_publisher(session):
                return 0  # another relay is publishing this outbox right now
            rows = (
                await session.execute(
                    sa.select(
                        outbox_table.c.seq, outbox_table.c.topic, outbox_table.c.key, outbox_table.c.payload
                    )
                    .where(outbox_table.c.published_at.is_(None))
                    .order_by(outbox_table.c.seq)
                    .limit(self.batch_size)
                )
            ).all()
            if not rows:
                return 0
            await self._bus.publish_many(
                [(row.topic, Envelope.from_bytes(row.payload)) for row in rows],
                keys=[row.key for row in rows],
            )
            # If we crash here the rows stay unpublished and are sent again: at-least-once.
            await session.execute(
                outbox_table.update()
                .where(outbox_table.c.seq.in_([row.seq for row in rows]))
                .values(published_at=dt.datetime.now(dt.UTC))
            )
        logger.debug("outbox relay published %d events", len(rows))
        return len(rows)

    async def _has_pending(self) -> bool:
        async with self._sessionmaker() as session:
            found = await session.scalar(
                sa.select(outbox_table.c.seq).where(outbox_table.c.published_at.is_(None)).limit(1)
            )
            return found is not None

    @staticmethod
    async def _claim_publisher(session: AsyncSession) -> bool:
        """Makes this transaction the only publisher until it ends, so order is kept."""
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            locked = await session.scalar(
                sa.select(
                    sa.func.pg_try_advisory_xact_lock(
                        _RELAY_LOCK_CLASS, sa.func.hashtext(sa.func.current_schema())
                    )
                )
            )
            return bool(locked)
        if dialect == "sqlite":
            # A write as the first statement takes SQLite's single write lock (a second relay
            # waits on busy_timeout) before anything is read, so no stale snapshot is published.
            oldest = sa.select(sa.func.min(outbox_table.c.seq)).where(outbox_table.c.published_at.is_(None))
            await session.execute(
                outbox_table.update()
                .where(outbox_table.c.seq == oldest.scalar_subquery())
                .values(published_at=None)
            )
        return True

    async def prune_published(self) -> int:
        """Deletes rows published longer than `retention` ago; the bus keeps the history."""
        cutoff = dt.datetime.now(dt.UTC) - self.retention
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(outbox_table.delete().where(outbox_table.c.published_at < cutoff))
        return rows_affected(result)
