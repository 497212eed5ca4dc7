"""The embedded log's storage: synchronous SQLite calls, each run whole on a bus thread.

One function is one transaction, so a publish or a commit costs one thread hop, not one per
statement. Writers take `BEGIN IMMEDIATE`: the file lock serialises offset assignment across
processes, and `busy_timeout` makes a second process wait for it instead of failing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

Row = tuple[str, int, str | None, bytes, int]  # topic, offset, key, payload, timestamp (µs)

SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    topic TEXT PRIMARY KEY,
    next_offset INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    key TEXT,
    payload BLOB NOT NULL,
    ts_us INTEGER NOT NULL,
    PRIMARY KEY (topic, "offset")
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_by_time ON records (topic, ts_us);
CREATE TABLE IF NOT EXISTS group_offsets (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    committed INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_leases (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_us INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)
) WITHOUT ROWID;
"""


def connect(
    path: Path, *, synchronous: Literal["NORMAL", "FULL"], busy_timeout_ms: int
) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each function is one transaction.
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
    )
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    with _write(conn):
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def append(conn: sqlite3.Connection, items: Sequence[tuple[str, str, bytes]], now_us: int) -> None:
    """Appends (topic, key, payload) in order; offsets are dense and monotonic per topic."""
    with _write(conn):
        next_offset: dict[str, int] = {}
        rows = []
        for topic, key, payload in items:
            if topic not in next_offset:
                found = conn.execute("SELECT next_offset FROM topics WHERE topic = ?", (topic,)).fetchone()
                next_offset[topic] = found[0] if found else 0
            rows.append((topic, next_offset[topic], key, payload, now_us))
            next_offset[topic] += 1
        conn.executemany(
            'INSERT INTO records (topic, "offset", key, payload, ts_us) VALUES (?, ?, ?, ?, ?)', rows
        )
        conn.executemany(
            "INSERT INTO topics (topic, next_offset) VALUES (?, ?) "
            "ON CONFLICT (topic) DO UPDATE SET next_offset = excluded.next_offset",
            next_offset.items(),
        )


def read(conn: sqlite3.Connection, positions: Mapping[str, int], limit: int) -> list[Row]:
    """Up to `limit` records from the given positions, topic by topic in the order given."""
    out: list[Row] = []
    for topic, position in positions.items():
        if len(out) >= limit:
            break
        out.extend(
            conn.execute(
                'SELECT topic, "offset", key, payload, ts_us FROM records '
                'WHERE topic = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                (topic, position, limit - len(out)),
            )
        )
    return out


def committed(conn: sqlite3.Connection, group: str, topics: Iterable[str]) -> dict[str, int]:
    """The group's committed offset per topic; 0 (the earliest record) for a new group."""
    return {
        topic: (found[0] if found else 0)
        for topic in topics
        for found in [
            conn.execute(
                "SELECT committed FROM group_offsets WHERE grp = ? AND topic = ?", (group, topic)
            ).fetchone()
        ]
    }


def acquire_leases(
    conn: sqlite3.Connection, group: str, topics: Iterable[str], owner: str, now_us: int, ttl_us: int
) -> set[str]:
    """Takes or renews the group's lease on each topic that is free, expired or already ours.

    A topic is one partition, so like a Kafka partition it has at most one reader per group;
    a second process in the same group stands by and takes over when the lease expires.
    """
    with _write(conn):
        for topic in topics:
            conn.execute(
                "INSERT INTO group_leases (grp, topic, owner, expires_us) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (grp, topic) DO UPDATE "
                "SET owner = excluded.owner, expires_us = excluded.expires_us "
                "WHERE group_leases.owner = excluded.owner OR group_leases.expires_us < ?",
                (group, topic, owner, now_us + ttl_us, now_us),
            )
        return {
            row[0]
            for row in conn.execute(
                "SELECT topic FROM group_leases WHERE grp = ? AND owner = ?", (group, owner)
            )
        }


def release_leases(conn: sqlite3.Connection, group: str, owner: str) -> None:
    with _write(conn):
        conn.execute("DELETE FROM group_leases WHERE grp = ? AND owner = ?", (group, owner))


def commit_offsets(
    conn: sqlite3.Connection, group: str, owner: str, offsets: Mapping[str, int], now_us: int
) -> list[str]:
    """Stores offsets for the topics `owner` still leases; returns the topics it lost (fenced)."""
    lost = []
    with _write(conn):
        for topic, offset in offsets.items():
            holder = conn.execute(
                "SELECT owner FROM group_leases WHERE grp = ? AND topic = ?", (group, topic)
            ).fetchone()
            if holder is None or holder[0] != owner:
                lost.append(topic)
                continue
            _store_offset(conn, group, topic, offset, now_us)
    return lost


def reset_offsets(
    conn: sqlite3.Connection,
    group: str,
    topics: Iterable[str],
    to_offset: int | None,
    to_time_us: int | None,
    now_us: int,
) -> None:
    with _write(conn):
        for topic in topics:
            found = conn.execute("SELECT next_offset FROM topics WHERE topic = ?", (topic,)).fetchone()
            end = found[0] if found else 0
            if to_offset is not None:
                target = min(to_offset, end)
            else:
                first = conn.execute(
                    'SELECT MIN("offset") FROM records WHERE topic = ? AND ts_us >= ?', (topic, to_time_us)
                ).fetchone()[0]
                target = end if first is None else first
            _store_offset(conn, group, topic, target, now_us)


def end_offsets(conn: sqlite3.Connection, topics: Iterable[str]) -> dict[str, int]:
    return {
        topic: (found[0] if found else 0)
        for topic in topics
        for found in [conn.execute("SELECT next_offset FROM topics WHERE topic = ?", (topic,)).fetchone()]
    }


def _store_offset(conn: sqlite3.Connection, group: str, topic: str, offset: int, now_us: int) -> None:
    conn.execute(
        "INSERT INTO group_offsets (grp, topic, committed, updated_us) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (grp, topic) DO UPDATE "
        "SET committed = excluded.committed, updated_us = excluded.updated_us",
        (group, topic, offset, now_us),
    )


def data_version(conn: sqlite3.Connection) -> int:
    """Moves when another connection (another process: this one's reader never writes) commits."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])
