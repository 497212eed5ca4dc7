"""Relational storage: SQLAlchemy 2 async on SQLite (embedded) or PostgreSQL (at scale).

Each service owns its database. With SQLite that is one file per service under the data dir;
with PostgreSQL, `{service}` in the URL gives each service its own database, and a URL without
it puts each service in its own schema of one shared database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL, CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from cinemesh.platform.settings import Settings
from cinemesh.platform.sqlite_driver import OneHopDBAPI


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets readers run beside the one writer and lets worker processes share the file;
    # busy_timeout makes a second writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


SQLITE_POOL_SIZE = 64  # the gateway's default bulkhead: requests let into one service at once


class Database:
    """A service's engine and session factory; built by its bootstrap, disposed on shutdown."""

    def __init__(
        self, url: str, *, schema: str | None = None, echo: bool = False, pool_size: int = SQLITE_POOL_SIZE
    ) -> None:
        self.url: URL = make_url(url)
        self.schema = schema if self.is_postgres else None
        connect_args: dict[str, Any] = {}
        options: dict[str, Any] = {}
        if self.schema:
            connect_args["server_settings"] = {"search_path": self.schema}
        if self.is_sqlite:
            database = self.url.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
                # The default pool keeps 5 connections and closes every one beyond on return: past
                # 5 concurrent requests each one opened a new SQLite connection (a thread, the
                # file, four PRAGMAs) and threw it away, which made a request's CPU cost grow with
                # the concurrency (measured by bench.request_path). A file connection is cheap to keep,
                # so as many are kept as requests may run in the service at once (the gateway's bulkhead).
                options = {"pool_size": pool_size, "max_overflow": pool_size}
            if self.url.get_driver_name() == "aiosqlite":
                options["module"] = OneHopDBAPI()  # a statement is one thread hop, not four
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            echo=echo,
            connect_args=connect_args,
            pool_pre_ping=self.is_postgres,
            **options,
        )
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        # A Session class of this database's own, so commit listeners fire for its sessions only.
        self._session_class = type("DatabaseSession", (Session,), {})
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=self._session_class
        )

    def on_commit_with(self, flag: str, callback: Callable[[], None]) -> None:
        """Calls `callback` after each commit of a session whose `info` has `flag` set.

        The outbox sets its flag when it stages an event, so the relay publishes right after the
        commit instead of at its next poll."""

        def listener(session: Session) -> None:
            if session.info.pop(flag, False):
                callback()

        event.listen(self._session_class, "after_commit", listener)

    @classmethod
    def for_service(cls, settings: Settings, service: str) -> Database:
        """The service's own database; a shared PostgreSQL URL without `{service}` means a schema."""
        shared_url = settings.database_url is not None and "{service}" not in settings.database_url
        return cls(
            settings.database_url_for(service),
            schema=service if shared_url else None,
            pool_size=settings.upstream_max_concurrency,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends cleanly, rolls back otherwise."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def rows_affected(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched. `session.execute` is typed as returning
    a `Result`; for those statements it is a `CursorResult`, which carries the count."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
