"""A service's long-lived resources, started and stopped in one place.

`ServiceRuntime` is what each service's bootstrap composes: its database (migrated at start,
never at import), the event bus, the outbox relay that publishes what the service commits, and
the consumers of the events it reacts to. The service's ASGI lifespan runs `start`/`stop`, so
the same service starts the same way in-process behind the gateway or alone in a container.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.background import TaskSet
from cinemesh.platform.db import Database
from cinemesh.platform.events.batching import BatchHandler
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.inbox import EventConsumer, clear_inbox
from cinemesh.platform.events.outbox import OUTBOX_PENDING, OutboxRelay
from cinemesh.platform.logging import get_logger
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.tokens import TokenVerifier

log = get_logger("cinemesh.runtime")

EventHandler = Callable[[AsyncSession, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """A service reacts to `topics` as consumer group `group` (one offset per group)."""

    group: str
    topics: Sequence[str]
    handler: EventHandler
    # Empties what the handler builds (a read model) before a replay rebuilds it from events.
    reset: Callable[[AsyncSession], Awaitable[None]] | None = None
    # Folds a whole fetched batch at once (events/batching.py); `handler` redoes a failed batch.
    batch_handler: BatchHandler | None = None


@dataclass
class ServiceRuntime:
    name: str
    database: Database
    bus: EventBus
    migrations: Path
    # Verifies access tokens (and purpose tokens a service checks itself); None only in tools
    # that run a service's consumers without its API (replay).
    verifier: TokenVerifier | None = None
    owns_bus: bool = False
    subscriptions: Sequence[ConsumerSpec] = ()
    on_start: Sequence[Callable[[], Awaitable[None]]] = ()
    # Run in reverse order before the consumers and relay stop (e.g. stop job workers).
    on_stop: Sequence[Callable[[], Awaitable[None]]] = ()
    # False for a service whose store takes one writing process (analytics' DuckDB file): its
    # consumers run only in its own process, and `cinemesh worker` leaves the service out.
    in_worker: bool = True
    relay: OutboxRelay | None = field(default=None, init=False)
    # The service's own loops (sweepers, queues): stopped after on_stop, before the consumers.
    tasks: TaskSet = field(init=False)
    consumers: list[EventConsumer] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.tasks = TaskSet(self.name)

    async def start(self) -> None:
        await upgrade_to_head(self.database, service=self.name, script_location=self.migrations)
        if self.owns_bus:
            await self.bus.start()
        relay = self.relay = OutboxRelay(self.database.sessionmaker, self.bus)
        self.database.on_commit_with(OUTBOX_PENDING, relay.wake)
        await relay.start()
        for subscription in self.subscriptions:
            consumer = EventConsumer(
                self.bus,
                self.database.sessionmaker,
                subscription.group,
                list(subscription.topics),
                subscription.handler,
                batch_handler=subscription.batch_handler,
            )
            await consumer.start()
            self.consumers.append(consumer)
        for hook in self.on_start:
            await hook()
        log.info("service_started", service=self.name)

    async def stop(self) -> None:
        for hook in reversed(self.on_stop):
            await hook()
        await self.tasks.stop()
        for consumer in self.consumers:
            await consumer.stop()
        self.consumers.clear()
        if self.relay is not None:
            await self.relay.stop()
            self.relay = None
        if self.owns_bus:
            await self.bus.close()
        await self.database.dispose()

    async def prepare_replay(self, spec: ConsumerSpec) -> None:
        """Forgets what the group processed (its inbox) and what it built, so replay rebuilds."""
        await upgrade_to_head(self.database, service=self.name, script_location=self.migrations)
        async with self.database.transaction() as session:
            await clear_inbox(session, spec.group)
            if spec.reset is not None:
                await spec.reset(session)

    @asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()
