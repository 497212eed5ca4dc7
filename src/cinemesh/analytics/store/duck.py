"""The analytics store on embedded DuckDB: one writer thread appends (so writes never contend),
readers run on their own cursors and see committed data.

Tables: `analytics_beacons` (the players' raw events, one row per session and event id),
`analytics_sessions` (which account owns a playback session id), `analytics_facts` (one row per
consumed event, keyed by its event id).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from cinemesh.analytics.domain import Beacon, Fact, Period, ReportFilter
from cinemesh.analytics.store import Appended, PendingBatch, buckets, rollup
from cinemesh.analytics.store import reports as sql

T = TypeVar("T")

SCHEMA = (
    """create table if not exists analytics_beacons (
        sid varchar not null, id varchar not null, user_id varchar not null, kind varchar not null,
        ts bigint not null, received_at timestamptz not null, country varchar, cid varchar, tid varchar,
        br integer, bl integer, mtp integer, su boolean, st varchar, pt bigint, code varchar,
        primary key (sid, id))""",
    """create table if not exists analytics_sessions (
        sid varchar primary key, user_id varchar not null, claimed_at timestamptz not null)""",
    """create table if not exists analytics_facts (
        event_id varchar primary key, type varchar not null, occurred_at timestamptz not null,
        user_id varchar, session_id varchar, content_id varchar, title_id varchar, tier varchar,
        status varchar, detail varchar, position double, duration double, version bigint, flag boolean)""",
    # Money came later: a store made before it gains the columns (DuckDB adds them in place).
    "alter table analytics_facts add column if not exists amount bigint",
    "alter table analytics_facts add column if not exists currency varchar",
    rollup.VIEWS_TABLE,
    rollup.VIEWS_INDEX,
    *buckets.TABLES,
)
_COUNTS = {
    name: f"select count(*) from analytics_{name}"  # noqa: S608 - the table names are constants
    for name in ("beacons", "sessions", "facts", "views")
}
BEACON_COLUMNS = tuple(field.name for field in dataclasses.fields(Beacon))
FACT_COLUMNS = tuple(field.name for field in dataclasses.fields(Fact))
# Both statements are built from the dataclasses' field names: constants, no input.
_INSERT_BEACONS = (  # noqa: S608
    "insert or ignore into analytics_beacons (user_id, country, received_at, {cols}) "
    "select * from (select unnest($1), unnest($2), unnest($3), {unnests}) "
    "returning sid, user_id, country, cid, tid, received_at, kind, ts, br"
).format(
    cols=", ".join(BEACON_COLUMNS),
    unnests=", ".join(f"unnest(${n})" for n in range(4, 4 + len(BEACON_COLUMNS))),
)
_INSERT_FACT = "insert or ignore into analytics_facts ({cols}) values ({marks})".format(  # noqa: S608
    cols=", ".join(FACT_COLUMNS), marks=", ".join("?" * len(FACT_COLUMNS))
)


class DuckDBStore:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analytics-writer")
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="analytics-reader")
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opening = threading.Lock()
        self._closed = False

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """Opened on first use: the runtime starts its consumers before its start hooks."""
        with self._opening:
            if self._closed:
                raise RuntimeError("the analytics store is closed")
            if self._con is None:
                if self.path != ":memory:":
                    Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self._con = duckdb.connect(self.path)
                for statement in SCHEMA:
                    self._con.execute(statement)
            return self._con

    async def _write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        def run() -> T:
            con = self.con
            con.begin()
            try:
                result = work(con)
            except BaseException:
                con.rollback()
                raise
            con.commit()
            return result

        return await asyncio.get_running_loop().run_in_executor(self._writer, run)

    async def _read(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        def run() -> T:
            with self.con.cursor() as cursor:
                return work(cursor)

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._writer, lambda: self.con)

    async def close(self) -> None:
        def close_db() -> None:
            with self._opening:
                self._closed = True
                if self._con is not None:
                    self._con.close()
                    self._con = None

        await asyncio.get_running_loop().run_in_executor(self._writer, close_db)
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)

    async def append(self, batches: Sequence[PendingBatch]) -> list[Appended]:
        return await self._write(lambda con: _append(con, batches))

    async def add_fact(self, fact: Fact) -> None:
        def add(con: duckdb.DuckDBPyConnection) -> None:
            con.execute(_INSERT_FACT, [getattr(fact, name) for name in FACT_COLUMNS])
            if fact.type == "delivery.playback.started.v1" and fact.session_id and fact.user_id:
                # Delivery made the session for this account: that is who owns its beacons.
                con.execute(
                    "insert into analytics_sessions values (?, ?, ?) "
                    "on conflict (sid) do update set user_id = excluded.user_id",
                    [fact.session_id, fact.user_id, fact.occurred_at],
                )

        await self._write(add)

    async def clear_facts(self) -> None:
        await self._write(lambda con: con.execute("delete from analytics_facts"))

    async def purge_beacons(self, *, before: dt.datetime) -> int:
        def purge(con: duckdb.DuckDBPyConnection) -> int:
            row = con.execute("delete from analytics_beacons where received_at < ?", [before]).fetchone()
            con.execute("delete from analytics_sessions where claimed_at < ?", [before])
            return int(row[0]) if row else 0

        return await self._write(purge)

    async def title_owner(self, title_id: str) -> str | None:
        owner = await self._read(lambda con: sql.scalar(con, sql.TITLE_OWNER, [title_id]))
        return str(owner) if owner is not None else None

    async def qoe(self, query: ReportFilter) -> dict[str, Any]:
        return await self._read(lambda con: sql.qoe(con, query))

    async def title(self, title_id: str, period: Period) -> dict[str, Any]:
        return await self._read(lambda con: sql.title(con, title_id, period))

    async def business(self, period: Period) -> dict[str, Any]:
        return await self._read(lambda con: sql.business(con, period))

    async def counts(self) -> dict[str, int]:
        def count(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
            return {name: int(sql.scalar(con, query)) for name, query in _COUNTS.items()}

        return await self._read(count)


def _append(con: duckdb.DuckDBPyConnection, batches: Sequence[PendingBatch]) -> list[Appended]:
    now = dt.datetime.now(dt.UTC)
    sids = sorted({beacon.sid for batch in batches for beacon in batch.beacons})
    owners: dict[str, str] = dict(
        con.execute(
            "select sid, user_id from analytics_sessions where list_contains($1, sid)", [sids]
        ).fetchall()
    )
    claims: list[tuple[str, str]] = []
    rows: list[tuple[str, str | None, Beacon]] = []
    results: list[Appended] = []
    for batch in batches:
        refused: set[str] = set()
        for beacon in batch.beacons:
            owner = owners.get(beacon.sid)
            if owner is None:
                owner = owners[beacon.sid] = batch.viewer.user_id
                claims.append((beacon.sid, owner))
            if owner != batch.viewer.user_id:
                refused.add(beacon.sid)
                continue
            rows.append((batch.viewer.user_id, batch.viewer.country, beacon))
        results.append(Appended(refused=frozenset(refused)))
    if claims:
        con.execute(
            "insert or ignore into analytics_sessions select unnest($1), unnest($2), $3::timestamptz",
            [[sid for sid, _ in claims], [user for _, user in claims], now],
        )
    if rows:
        columns: list[list[Any]] = [[user for user, _, _ in rows], [c for _, c, _ in rows], [now] * len(rows)]
        columns += [[getattr(beacon, name) for _, _, beacon in rows] for name in BEACON_COLUMNS]
        rollup.merge(con, con.execute(_INSERT_BEACONS, columns).fetchall())
    return results
