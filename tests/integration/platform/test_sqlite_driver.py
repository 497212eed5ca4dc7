"""The one-hop SQLite driver (`platform/sqlite_driver.py`) answers as SQLAlchemy's aiosqlite does."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import CursorResult, text

from cinemesh.platform.db import Database, rows_affected
from cinemesh.platform.sqlite_driver import OneHopConnection

pytestmark = pytest.mark.integration


async def test_statements_rows_counts_and_errors(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with database.transaction() as session:
            connection = await session.connection()
            assert isinstance((await connection.get_raw_connection()).dbapi_connection, OneHopConnection)
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
            inserted = await session.execute(
                text("INSERT INTO t (name) VALUES (:name)"), [{"name": "a"}, {"name": "b"}]
            )
            assert rows_affected(inserted) == 2  # executemany
            one = await session.execute(text("INSERT INTO t (name) VALUES ('c')"))
            assert isinstance(one, CursorResult) and one.lastrowid == 3
            returned = await session.execute(
                text("UPDATE t SET name = upper(name) WHERE id < 3 RETURNING id, name")
            )
            assert sorted(tuple(row) for row in returned) == [(1, "A"), (2, "B")]
        async with database.session() as session:
            result = await session.execute(text("SELECT id, name FROM t ORDER BY id"))
            assert list(result.keys()) == ["id", "name"]
            assert result.all() == [(1, "A"), (2, "B"), (3, "c")]
            assert rows_affected(await session.execute(text("DELETE FROM t WHERE id > 99"))) == 0
            with pytest.raises(Exception, match="NOT NULL") as caught:
                await session.execute(text("INSERT INTO t (name) VALUES (NULL)"))
            assert isinstance(caught.value.__cause__ or caught.value, aiosqlite.IntegrityError)
    finally:
        await database.dispose()


async def test_rollback_undoes_writes_and_reads_leave_no_transaction(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                await session.execute(text("INSERT INTO t (id) VALUES (1)"))
                raise RuntimeError("abandon")
        async with database.session() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            assert isinstance(raw, aiosqlite.Connection)
            assert not raw.in_transaction  # a read opens none: nothing to roll back on return
            await session.execute(text("INSERT INTO t (id) VALUES (2)"))
            assert raw.in_transaction
        async with database.session() as session:  # closed without commit: rolled back
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    finally:
        await database.dispose()
