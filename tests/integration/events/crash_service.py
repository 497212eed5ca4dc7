"""A tiny "catalog service" process for the crash test: `python -m tests.integration.events.crash_service`.

Commands:
  write DB_URL EVENTS_PATH ID   commit a title and its event (outbox) in one transaction, then
                                wake the relay to publish it; with CINEMESH_TEST_KILL_AFTER_COMMIT=1
                                the process SIGKILLs itself right after the commit, before the relay
                                can publish (it is not running a loop, so the timing is exact).
  relay DB_URL EVENTS_PATH      a restarted process: publish what is pending; print the count.
  relay-die-after-publish ...   publish pending events, then SIGKILL before marking them published.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from cinemesh.platform.db import Database
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import OutboxRelay, add_to_outbox, messaging_metadata

TOPIC = "catalog.titles"
metadata = sa.MetaData()
titles = sa.Table("titles", metadata, sa.Column("id", sa.String(64), primary_key=True))


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class DieAfterPublish(EmbeddedEventBus):
    async def publish_many(
        self, events: Sequence[tuple[str, Envelope]], *, keys: Sequence[str | None] | None = None
    ) -> None:
        await super().publish_many(events, keys=keys)
        die()


async def main(command: str, db_url: str, events_path: str, *args: str) -> None:
    database = Database(db_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(messaging_metadata.create_all)
        await connection.run_sync(metadata.create_all)
    bus_class = DieAfterPublish if command == "relay-die-after-publish" else EmbeddedEventBus
    async with bus_class(Path(events_path)) as bus:
        relay = OutboxRelay(database.sessionmaker, bus, poll_interval=60)
        if command == "write":
            async with database.transaction() as session:
                await session.execute(titles.insert().values(id=args[0]))
                envelope = Envelope.new(
                    type="catalog.title.created.v1", source="cinemesh/catalog", subject=args[0], data={}
                )
                await add_to_outbox(session, TOPIC, envelope)
            if os.environ.get("CINEMESH_TEST_KILL_AFTER_COMMIT") == "1":
                die()
            await relay.publish_pending()
        else:
            print(await relay.publish_pending())
    await database.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
