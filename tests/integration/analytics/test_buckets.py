"""The time buckets answer what the per-view rollup answers: sums and counts exactly, startup
quantiles within the sketch's relative error; appends, redelivery and a rebuild agree."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cinemesh.analytics.domain import Beacon, Period, ReportFilter, Viewer
from cinemesh.analytics.store import PendingBatch, buckets, qoe, rollup
from cinemesh.analytics.store.duck import DuckDBStore

KINDS = ("play_requested", "first_frame", "bitrate_switch", "rebuffer_start", "rebuffer_end", "exit")
T0 = 1_796_000_000_000
DAY = 86_400_000
COUNTED = ("plays", "unique_viewers", "rebuffer_ms", "watch_ms", "rebuffered", "exits", "failures")
TABLES = ("analytics_qoe_buckets", "analytics_startup_bins", *buckets.VIEWER_TABLES)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[DuckDBStore]:
    duck = DuckDBStore(tmp_path / "a.duckdb")
    await duck.start()
    yield duck
    await duck.close()


def _plant(con: Any, views: int) -> None:
    """`views` views of 6 beacons (some cut short), arriving over 3 days at random moments."""
    rng = random.Random(7)
    rows = []
    for v in range(views):
        arrived = dt.datetime.fromtimestamp((T0 + rng.randrange(3 * DAY)) / 1000, dt.UTC)
        start, kept = T0 + v * 100_000, rng.choice((2, 3, 6, 6, 6))
        for n, kind in enumerate(KINDS[:kept]):
            ts = start + n * rng.randrange(1, 5000)
            br = 1000 + rng.randrange(4000) if kind in ("first_frame", "bitrate_switch") else None
            country, cid = ("FR", "US", None)[v % 3], f"m{v % 5}"
            rows.append((f"s{v}", f"e{n}", f"u{v % 40}", kind, ts, arrived, country, cid, None, br))
    con.executemany(
        "insert into analytics_beacons (sid, id, user_id, kind, ts, received_at, country, cid, tid, br) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


async def test_buckets_answer_what_the_views_answer(store: DuckDBStore) -> None:
    await store._write(lambda con: _plant(con, 600))
    await store._write(rollup.rebuild)
    t0 = dt.datetime.fromtimestamp(T0 / 1000, dt.UTC)
    periods = [
        (t0, t0 + dt.timedelta(days=3)),
        (t0 + dt.timedelta(hours=5, minutes=7, seconds=13), t0 + dt.timedelta(days=2, hours=3, seconds=41)),
        (t0 + dt.timedelta(minutes=3, seconds=2), t0 + dt.timedelta(hours=7, minutes=59, seconds=5)),
        (t0 + dt.timedelta(seconds=10), t0 + dt.timedelta(seconds=50)),
    ]
    for start, end in periods:
        for title, country in ((None, None), ("m2", None), (None, "FR"), ("m1", "US")):
            flt = ReportFilter(period=Period(start=start, end=end), title_id=title, country=country)
            exact = await store._read(functools.partial(qoe.per_view, query=flt))
            bucketed = await store._read(functools.partial(qoe.sums, query=flt))
            for name in COUNTED:
                assert (bucketed[name] or 0) == (exact[name] or 0), (name, start, end, title, country)
            assert (bucketed["br_weight"] or 0) == pytest.approx(exact["br_weight"] or 0)
            assert (bucketed["br_ms"] or 0) == (exact["br_ms"] or 0)
            for name in ("startup_p50", "startup_p90"):
                if exact[name] is None:
                    assert bucketed[name] is None
                else:
                    assert bucketed[name] == pytest.approx(exact[name], rel=buckets.ALPHA)


def test_periods_are_cut_into_the_coarsest_buckets() -> None:
    start = dt.datetime(2026, 1, 1, 22, 58, 30, tzinfo=dt.UTC)
    end = dt.datetime(2026, 1, 4, 1, 2, 10, tzinfo=dt.UTC)
    cut = qoe.spans(start, end)
    assert [grain for grain, _, _ in cut] == [None, "m", "h", "d", "h", "m", None]
    assert cut[3][1:] == (dt.datetime(2026, 1, 2, tzinfo=dt.UTC), dt.datetime(2026, 1, 4, tzinfo=dt.UTC))
    assert all(a[2] == b[1] for a, b in itertools.pairwise(cut))


async def _tables(store: DuckDBStore) -> list[list[tuple[Any, ...]]]:
    queries = (
        "select * from analytics_qoe_buckets where plays != 0 order by all",
        "select * from analytics_startup_bins where n != 0 order by all",
        "select * from analytics_day_viewers order by all",
        "select * from analytics_day_country_viewers order by all",
    )
    return [await store._read(functools.partial(_rows, sql=q)) for q in queries]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


async def test_appends_redelivery_and_a_rebuild_give_the_same_buckets(store: DuckDBStore) -> None:
    rng = random.Random(3)
    views: list[list[Beacon]] = []
    for v in range(30):
        kept = KINDS[: rng.choice((1, 2, 4, 6))]
        times = sorted(T0 + rng.randrange(60_000) for _ in kept)  # the player sends in order
        views.append(
            [
                Beacon(id=f"e{n}", sid=f"s{v}", kind=kind, ts=ts, cid=f"m{v % 3}", br=n * 700 or None)
                for n, (kind, ts) in enumerate(zip(kept, times, strict=True))
            ]
        )
    pieces = [(v, view[at : at + 2]) for v, view in enumerate(views) for at in range(0, len(view), 2)]
    for v, piece in pieces:
        await store.append([PendingBatch(Viewer(user_id=f"u{v % 7}", country="FR"), piece)])
    appended = await _tables(store)
    assert all(appended)
    for v, piece in pieces:  # redelivered: nothing new
        await store.append([PendingBatch(Viewer(user_id=f"u{v % 7}", country="FR"), piece)])
    assert await _tables(store) == appended
    for table in TABLES:
        await store._write(functools.partial(_rows, sql=f"delete from {table}"))
    await store._write(rollup.rebuild)  # as a replay does, from the raw beacons
    assert await _tables(store) == appended
