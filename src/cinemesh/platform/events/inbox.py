"""Idempotent consumers: at-least-once delivery in, exactly-once effects out.

For each record, one database transaction records the event id in the group's inbox and runs
the handler; a duplicate (the id is already there) is skipped. Only after that commit is the
bus offset committed, so a crash anywhere redelivers the record and the inbox absorbs it.

A handler that keeps failing is retried with exponential backoff, then parked: the record and
the error go into `dead_letters` (and its id into the inbox, so a redelivery does not retry
it again) and the consumer moves on. One bad event never stops a read model, and no event is
lost silently: `dead_letters` can be inspected and replayed by hand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinemesh.platform.background import BackgroundTask
from cinemesh.platform.context import request_id_var
from cinemesh.platform.db import rows_affected
from cinemesh.platform.events.batching import BatchHandler, process_batch
from cinemesh.platform.events.bus import EventBus, Record, Subscription, logger
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import dead_letters_table, inbox_table

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


async def _claim(session: AsyncSession, group: str, event_id: str) -> bool:
    """Inserts (group, event id) into the inbox; False if it was already there (a duplicate)."""
    dialect = session.get_bind().dialect.name
    values = {"consumer_group": group, "event_id": event_id, "processed_at": dt.datetime.now(dt.UTC)}
    statement: sa.Executable
    if dialect == "postgresql":
        statement = postgresql.insert(inbox_table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(inbox_table).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported databases are wired
        raise NotImplementedError(f"inbox on {dialect}")
    result = await session.execute(statement)
    return rows_affected(result) == 1


async def clear_inbox(session: AsyncSession, group: str) -> None:
    """Forgets what `group` processed: part of a rebuild, with emptying the read model and
    `EventBus.reset_group(group, topics, to_offset=0)`, all while the consumer is stopped."""
    await session.execute(inbox_table.delete().where(inbox_table.c.consumer_group == group))


class EventConsumer:
    def __init__(
        self,
        bus: EventBus,
        sessionmaker: async_sessionmaker[AsyncSession],
        group: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        batch_size: int = 100,
        max_attempts: int = 4,
        backoff: float = 0.2,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        self.bus = bus
        self.group = group
        self.topics = list(topics)
        self._sessionmaker = sessionmaker
        self._handler = handler
        self._batch_handler = batch_handler  # the fast path of a fetched batch (batching.py)
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._subscription: Subscription | None = None
        self._task = BackgroundTask(f"consumer-{self.group}")

    async def start(self) -> None:
        self._task.start(self.run)

    async def stop(self) -> None:
        # Cancelling is safe at any point: an interrupted record's transaction rolls back and
        # its offset was not committed, so it is delivered again after the restart.
        await self._task.stop()
        await self._close_subscription()

    async def run(self) -> None:
        """Consumes until cancelled; survives database and bus outages by re-reading."""
        failures = 0
        while True:
            try:
                await self._consume_batch(wait=1.0)
                failures = 0
            except Exception:
                failures += 1
                logger.exception(
                    "consumer %s failed (%d in a row); re-reading from its last commit", self.group, failures
                )
                await self._close_subscription()  # the next fetch restarts at the committed offset
                await asyncio.sleep(min(self.backoff * 2**failures, 30.0))

    async def drain(self, *, idle_timeout: float = 0.5) -> int:
        """Processes records until none arrives for `idle_timeout`; returns how many it handled."""
        total = 0
        while processed := await self._consume_batch(wait=idle_timeout):
            total += processed
        return total

    async def _consume_batch(self, *, wait: float) -> int:
        if self._subscription is None:
            self._subscription = self.bus.subscribe(self.group, self.topics)
        records = await self._subscription.fetch(max_records=self.batch_size, timeout=wait)
        if records and not await self._process_together(records):
            for record in records:
                await self._process(record)
        await self._subscription.commit(records)
        return len(records)

    async def _process_together(self, records: Sequence[Record]) -> bool:
        """The fast path: a whole batch in one transaction (one commit instead of one per event,
        which is what makes replaying a read model fast). If any handler fails, the transaction
        rolls back as a whole and the caller redoes the batch one event at a time, with retries
        and parking; the inbox makes the redo exact."""
        try:
            async with self._sessionmaker() as session, session.begin():
                if self._batch_handler is not None:
                    await process_batch(
                        session, self.group, [r.envelope for r in records], self._batch_handler
                    )
                    return True
                for record in records:
                    token = request_id_var.set(record.envelope.requestid)
                    try:
                        if await _claim(session, self.group, record.envelope.id):
                            await self._handler(session, record.envelope)
                    finally:
                        request_id_var.reset(token)
        except Exception as exc:
            logger.info("consumer %s: batch of %d failed (%r); one by one", self.group, len(records), exc)
            return False
        return True

    async def _process(self, record: Record) -> None:
        envelope = record.envelope
        token = request_id_var.set(envelope.requestid)  # logs and follow-up events keep the id
        try:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    async with self._sessionmaker() as session, session.begin():
                        if not await _claim(session, self.group, envelope.id):
                            logger.debug("consumer %s: skipping duplicate %s", self.group, envelope.id)
                            return
                        await self._handler(session, envelope)
                    return
                except Exception as exc:
                    if attempt == self.max_attempts:
                        await self._park(record, exc)
                        return
                    logger.warning(
                        "consumer %s: handler failed on %s (%s), attempt %d of %d",
                        self.group,
                        envelope.id,
                        exc,
                        attempt,
                        self.max_attempts,
                    )
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        finally:
            request_id_var.reset(token)

    async def _park(self, record: Record, exc: Exception) -> None:
        envelope = record.envelope
        logger.error(
            "consumer %s: parking %s (%s) after %d attempts: %r",
            self.group,
            envelope.id,
            envelope.type,
            self.max_attempts,
            exc,
            extra={"event_id": envelope.id, "topic": record.topic, "offset": record.offset},
        )
        async with self._sessionmaker() as session, session.begin():
            if not await _claim(session, self.group, envelope.id):
                return
            await session.execute(
                dead_letters_table.insert().values(
                    consumer_group=self.group,
                    event_id=envelope.id,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    payload=envelope.to_bytes(),
                    error=repr(exc)[:4000],
                    failed_at=dt.datetime.now(dt.UTC),
                )
            )

    async def _close_subscription(self) -> None:
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            await subscription.close()
