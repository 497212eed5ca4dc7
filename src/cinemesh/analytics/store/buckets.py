"""Time-bucketed QoE rollups per minute, hour and day, kept from the per-view rollup.

A view counts in the bucket of its first beacon's arrival, under its country, title and content
id. Each append takes the touched views' contributions before and after it merges them
(`merge`), and adds the difference to the buckets: sums and counts exactly, the startup time as
a count in a log-spaced bin (DDSketch's: relative error `ALPHA`) with the bin's smallest and
largest value seen. Unique viewers are an exact set per day (`VIEWER_TABLES`).

The same statements rebuild every bucket from the per-view rollup (`rebuild`), which is itself
rebuilt from the raw beacons, so a replay gives the same buckets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import duckdb

# Bin widths: a value in bin i lies in (GAMMA**(i-1), GAMMA**i]; the bin's representative
# 2 * GAMMA**i / (GAMMA + 1) is within ALPHA of it (relative). Startups under 1 ms share bin -1.
ALPHA = 0.01
GAMMA = (1 + ALPHA) / (1 - ALPHA)
LN_GAMMA = math.log(GAMMA)
GRAINS = {"d": 86_400, "h": 3_600, "m": 60}

_KEYS = (
    "grain varchar not null, bucket timestamptz not null, "
    "country varchar not null, tid varchar not null, cid varchar not null"
)
SUMS = ("plays", "rebuffer_ms", "watch_ms", "rebuffered", "exits", "failures", "br_weight", "br_ms")
TABLES = (
    f"""create table if not exists analytics_qoe_buckets ({_KEYS},
        plays bigint, rebuffer_ms bigint, watch_ms bigint, rebuffered bigint, exits bigint, failures bigint,
        br_weight double, br_ms bigint, primary key (grain, bucket, country, tid, cid))""",
    f"""create table if not exists analytics_startup_bins ({_KEYS}, bin integer not null,
        n bigint, lo bigint, hi bigint, primary key (grain, bucket, country, tid, cid, bin))""",
    # Viewers as 64-bit hashes of their account ids: exact but for a hash collision (~1e-8 among
    # a million accounts), and a quarter of the time to count. Per title, and per country alone
    # (what a dashboard without a title reads: far fewer rows).
    """create table if not exists analytics_day_viewers (day timestamptz not null, country varchar not null,
        tid varchar not null, cid varchar not null, viewer ubigint not null,
        primary key (day, country, tid, cid, viewer))""",
    """create table if not exists analytics_day_country_viewers (day timestamptz not null,
        country varchar not null, viewer ubigint not null, primary key (day, country, viewer))""",
)
VIEWER_TABLES = ("analytics_day_viewers", "analytics_day_country_viewers")

# A view's figures, as the per-view report defines them (store/reports.py's `_QOE`): stalls are
# the sum of stall ends less the sum of starts, a start left open closed at the view's end; the
# bitrate's last span runs to the view's end. Views without a play request are not plays.
MEASURED = """
select *,
    greatest(0, stall_end_sum - stall_start_sum + greatest(0, stall_starts - stall_ends) * ended)
        as rebuffer_ms,
    ended - requested as watch_ms,
    br_weight + coalesce(last_br * greatest(0, ended - last_rate_ts), 0) as weight,
    br_ms + coalesce(greatest(0, ended - last_rate_ts), 0) as rated_ms,
    first_frame - requested as startup
from (select *, coalesce(exit_ts, last_ts) as ended from analytics_views where {where})
where requested is not null
"""
# One contribution row per view: the figures the buckets sum.
CONTRIBUTION = f"""
select sid, user_id, first_received, coalesce(country, '') as country, coalesce(tid, '') as tid,
    coalesce(cid, '') as cid, 1 as plays, rebuffer_ms, watch_ms, (rebuffer_ms > 0)::int as rebuffered,
    (first_frame is null and not failed and exit_ts is not null)::int as exits, failed::int as failures,
    case when rated_ms > 0 then weight else 0 end as br_weight,
    case when rated_ms > 0 then rated_ms else 0 end as br_ms, startup,
    case when startup < 1 then -1 else ceil(ln(startup) / {LN_GAMMA!r})::int end as bin
from ({MEASURED})
"""  # noqa: S608 - constants
_GRAINS = "(values " + ", ".join(f"('{g}', {s})" for g, s in GRAINS.items()) + ") g(grain, seconds)"
_BUCKET = "to_timestamp(floor(epoch(c.first_received) / g.seconds) * g.seconds)"


def _upsert_sums(source: str) -> str:
    sums = ", ".join(f"sum(sign * {name})" for name in SUMS)
    updates = ", ".join(f"{name} = b.{name} + excluded.{name}" for name in SUMS)
    return (
        f"insert into analytics_qoe_buckets as b select g.grain, {_BUCKET}, country, tid, cid, {sums} "  # noqa: S608
        f"from ({source}) c, {_GRAINS} group by all order by 2 "
        f"on conflict do update set {updates}"
    )


def _upsert_bins(source: str) -> str:
    return (
        f"insert into analytics_startup_bins as b select g.grain, {_BUCKET}, country, tid, cid, bin, "  # noqa: S608
        "sum(sign), min(startup) filter (where sign > 0), max(startup) filter (where sign > 0) "
        f"from ({source}) c, {_GRAINS} where startup is not null group by all order by 2 "
        "on conflict do update set n = b.n + excluded.n, lo = least(b.lo, coalesce(excluded.lo, b.lo)), "
        "hi = greatest(b.hi, coalesce(excluded.hi, b.hi))"
    )


def _add_viewers(source: str, table: str) -> str:
    keys = "country, tid, cid" if table == "analytics_day_viewers" else "country"
    return (
        f"insert or ignore into {table} select distinct "  # noqa: S608
        f"to_timestamp(floor(epoch(first_received) / 86400) * 86400), {keys}, hash(user_id) "
        f"from ({source}) where user_id is not null"
    )


_TOUCHED = CONTRIBUTION.format(where="list_contains($sids, sid)")
_ALL = f"select 1 as sign, * from ({CONTRIBUTION.format(where='true')})"  # noqa: S608
_N_SUMS = len(SUMS)
_PUT_SUMS = (
    "insert into analytics_qoe_buckets as b "
    f"select {', '.join(f'unnest(${n + 1})' for n in range(5 + _N_SUMS))} "
    f"on conflict do update set {', '.join(f'{name} = b.{name} + excluded.{name}' for name in SUMS)}"
)
_PUT_BINS = (
    "insert into analytics_startup_bins as b select "
    f"{', '.join(f'unnest(${n + 1})' for n in range(9))} on conflict do update set n = b.n + excluded.n, "
    "lo = least(b.lo, excluded.lo), hi = greatest(b.hi, excluded.hi)"
)
_PUT_VIEWERS = {
    "analytics_day_viewers": "insert or ignore into analytics_day_viewers select distinct "
    "unnest($1), unnest($2), unnest($3), unnest($4), hash(unnest($5))",
    "analytics_day_country_viewers": "insert or ignore into analytics_day_country_viewers select distinct "
    "unnest($1), unnest($2), hash(unnest($3))",
}

Row = tuple[Any, ...]


def before(con: duckdb.DuckDBPyConnection, sids: Sequence[str]) -> list[Row]:
    """The touched views' contributions before an append merges into them."""
    return con.execute(_TOUCHED, {"sids": list(sids)}).fetchall()


def _floor(at: dt.datetime, seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(at.timestamp() // seconds * seconds, dt.UTC)


def after(con: duckdb.DuckDBPyConnection, sids: Sequence[str], old: list[Row]) -> None:
    """Adds what the append changed in the touched views to their buckets: the difference of their
    contributions after and before, summed per bucket in Python (the same figures `rebuild` sums
    in SQL), then one upsert per table."""
    new = con.execute(_TOUCHED, {"sids": list(sids)}).fetchall()
    sums: dict[Row, list[Any]] = {}
    bins: dict[Row, list[Any]] = {}
    for sign, rows in ((-1, old), (1, new)):
        for _sid, _user, received, country, tid, cid, *figures, startup, index in rows:
            for grain, seconds in GRAINS.items():
                key = (grain, _floor(received, seconds), country, tid, cid)
                total = sums.setdefault(key, [0] * _N_SUMS)
                for n, value in enumerate(figures):
                    total[n] += sign * value
                if startup is not None:
                    hist = bins.setdefault((*key, index), [0, startup, startup])
                    hist[0] += sign
                    if sign > 0:
                        hist[1], hist[2] = min(hist[1], startup), max(hist[2], startup)
    changed = [(*key, *total) for key, total in sums.items() if any(total)]
    if changed:
        con.execute(_PUT_SUMS, [list(column) for column in zip(*changed, strict=True)])
    moved = [(*key, *hist) for key, hist in bins.items() if hist[0]]
    if moved:
        con.execute(_PUT_BINS, [list(column) for column in zip(*moved, strict=True)])
    counted = {row[0] for row in old}
    fresh = [
        (_floor(row[2], 86_400), row[3], row[4], row[5], row[1])
        for row in new
        if row[0] not in counted and row[1] is not None
    ]
    if fresh:
        columns = [list(column) for column in zip(*fresh, strict=True)]
        con.execute(_PUT_VIEWERS["analytics_day_viewers"], columns)
        con.execute(_PUT_VIEWERS["analytics_day_country_viewers"], [columns[0], columns[1], columns[4]])


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Every bucket again from the per-view rollup."""
    for table in ("analytics_qoe_buckets", "analytics_startup_bins", *VIEWER_TABLES):
        con.execute(f"delete from {table}")  # noqa: S608 - constants
    con.execute(_upsert_sums(_ALL))
    con.execute(_upsert_bins(_ALL))
    for table in VIEWER_TABLES:
        con.execute(_add_viewers(_ALL, table))
