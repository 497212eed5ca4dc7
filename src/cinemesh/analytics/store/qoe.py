"""The QoE figures of a period from the coarsest buckets that cover it (store/buckets.py): whole
days, then whole hours and minutes at the ragged edges, and the per-view rollup for what is left
(under a minute at each end). `per_view` answers from the per-view rollup alone (the reference).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb

from cinemesh.analytics.domain import ReportFilter
from cinemesh.analytics.store.buckets import CONTRIBUTION, GAMMA, GRAINS, MEASURED, SUMS

Span = tuple[str | None, dt.datetime, dt.datetime]  # (grain or None for per-view, start, end)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def spans(start: dt.datetime, end: dt.datetime, grains: tuple[str, ...] = tuple(GRAINS)) -> list[Span]:
    """[start, end) as whole buckets of the coarsest grain that fits, finer ones at the edges."""
    if start >= end:
        return []
    if not grains:
        return [(None, start, end)]
    seconds = dt.timedelta(seconds=GRAINS[grains[0]])
    first = _EPOCH + -((_EPOCH - start) // seconds) * seconds  # the first boundary at or after start
    last = _EPOCH + ((end - _EPOCH) // seconds) * seconds  # the last boundary at or before end
    if first >= last:
        return spans(start, end, grains[1:])
    return [*spans(start, first, grains[1:]), (grains[0], first, last), *spans(last, end, grains[1:])]


_FILTER = (
    "($title::varchar is null or tid = $title or cid = $title) "
    "and ($country::varchar is null or country = $country)"
)


def _sources(query: ReportFilter, columns: str, table: str, view_columns: str) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"title": query.title_id, "country": query.country}
    parts = []
    for n, (grain, start, end) in enumerate(spans(query.period.start, query.period.end)):
        params[f"s{n}"], params[f"e{n}"] = start, end
        if grain is None:
            where = f"first_received >= $s{n} and first_received < $e{n}"
            parts.append(f"select {view_columns} from ({CONTRIBUTION.format(where=where)}) where {_FILTER}")  # noqa: S608
        else:
            parts.append(
                f"select {columns} from {table} where grain = '{grain}' "  # noqa: S608 - constants
                f"and bucket >= $s{n} and bucket < $e{n} and {_FILTER}"
            )
    return " union all ".join(parts) or f"select {columns} from {table} where false", params  # noqa: S608


def _viewers(con: duckdb.DuckDBPyConnection, query: ReportFilter) -> int:
    """Exact: the day sets of whole days, the views themselves at the edges."""
    params: dict[str, Any] = {"title": query.title_id, "country": query.country}
    parts = []
    for n, (grain, start, end) in enumerate(spans(query.period.start, query.period.end, ("d",))):
        params[f"s{n}"], params[f"e{n}"] = start, end
        if grain is None:
            where = f"first_received >= $s{n} and first_received < $e{n}"
            views = CONTRIBUTION.format(where=where)
            parts.append(f"select hash(user_id) as viewer from ({views}) where {_FILTER}")  # noqa: S608
        else:
            table = "analytics_day_viewers" if query.title_id else "analytics_day_country_viewers"
            where = f"day >= $s{n} and day < $e{n} and ($country::varchar is null or country = $country)"
            title = (
                " and (tid = $title or cid = $title)" if query.title_id else " and $title::varchar is null"
            )
            parts.append(f"select viewer from {table} where {where}{title}")  # noqa: S608
    if not parts:
        return 0
    row = con.execute(f"select count(distinct viewer) from ({' union all '.join(parts)})", params).fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def _bins(con: duckdb.DuckDBPyConnection, query: ReportFilter) -> list[tuple[int, int, int, int]]:
    source, params = _sources(
        query, "bin, n, lo, hi", "analytics_startup_bins", "bin, 1 as n, startup as lo, startup as hi"
    )
    sql = (
        f"select bin, sum(n), min(lo), max(hi) from ({source}) where lo is not null "  # noqa: S608
        "group by bin having sum(n) > 0 order by bin"
    )
    return [(int(b), int(n), int(lo), int(hi)) for b, n, lo, hi in con.execute(sql, params).fetchall()]


def _rank(bins: list[tuple[int, int, int, int]], rank: int) -> float:
    """The rank-th smallest startup (0-based), within ALPHA: the bin's representative, clamped to
    the smallest and largest value the bin has seen (exact when they are one value)."""
    seen = 0
    for index, n, lo, hi in bins:
        seen += n
        if rank < seen:
            middle = 0.0 if index < 0 else 2 * GAMMA**index / (GAMMA + 1)
            return min(max(middle, lo), hi)
    return float(bins[-1][3])


def quantile(bins: list[tuple[int, int, int, int]], q: float) -> float | None:
    """As `quantile_cont`: between the two ranks around q * (n - 1), in proportion."""
    total = sum(n for _, n, _, _ in bins)
    if not total:
        return None
    position = (total - 1) * q
    low, high = math.floor(position), math.ceil(position)
    below, above = _rank(bins, low), _rank(bins, high)
    return below + (above - below) * (position - low)


def sums(con: duckdb.DuckDBPyConnection, query: ReportFilter) -> dict[str, Any]:
    """Plays, unique viewers, startup p50/p90 and the sums the shares are made of."""
    if not any(grain == "d" for grain, _, _ in spans(query.period.start, query.period.end)):
        # No whole day: its viewers come from the views anyway, and a day's views are few enough
        # to read at once (measured: cheaper than the hours and minutes), exactly.
        return per_view(con, query)
    columns = ", ".join(SUMS)
    source, params = _sources(query, columns, "analytics_qoe_buckets", columns)
    row = con.execute(f"select {', '.join(f'sum({c})' for c in SUMS)} from ({source})", params).fetchone()  # noqa: S608
    figures = dict(zip(SUMS, row or (), strict=True))
    bins = _bins(con, query)
    figures.update(
        unique_viewers=_viewers(con, query), startup_p50=quantile(bins, 0.5), startup_p90=quantile(bins, 0.9)
    )
    return figures


_PER_VIEW = f"""
select count(*) as plays, count(distinct user_id) as unique_viewers,
    quantile_cont(startup, 0.5) as startup_p50, quantile_cont(startup, 0.9) as startup_p90,
    sum(rebuffer_ms) as rebuffer_ms, sum(watch_ms) as watch_ms,
    count(*) filter (where rebuffer_ms > 0) as rebuffered,
    count(*) filter (where first_frame is null and not failed and exit_ts is not null) as exits,
    count(*) filter (where failed) as failures,
    sum(weight) filter (where rated_ms > 0) as br_weight, sum(rated_ms) filter (where rated_ms > 0) as br_ms
from ({MEASURED.format(where="first_received >= $start and first_received < $end")}) where {_FILTER}
"""  # noqa: S608 - constants


def per_view(con: duckdb.DuckDBPyConnection, query: ReportFilter) -> dict[str, Any]:
    """The same figures straight from the per-view rollup (exact quantiles; slower)."""
    period, title, country = query.period, query.title_id, query.country
    params = {"start": period.start, "end": period.end, "title": title, "country": country}
    cursor = con.execute(_PER_VIEW, params)
    row = cursor.fetchone()
    assert row is not None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))
