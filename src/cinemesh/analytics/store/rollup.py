"""The per-view rollup: one row per playback session, merged from each append's new beacons, so a
report reads one row per view instead of every beacon (and no window over them).

Everything merges as a sum, a min or a max, but for the time-weighted bitrate: a view keeps the
last bitrate it was told and since when, and the next append's first bitrate closes that span.
A batch that arrives after a later one (the player sends them in order) adds its own spans only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from typing import Any

import duckdb

from cinemesh.analytics.store import buckets

RATE_KINDS = frozenset({"first_frame", "bitrate_switch"})

VIEWS_TABLE = """create table if not exists analytics_views (
    sid varchar primary key, user_id varchar, country varchar, cid varchar, tid varchar,
    first_received timestamptz, requested bigint, first_frame bigint, exit_ts bigint, last_ts bigint,
    failed boolean, stall_end_sum bigint, stall_start_sum bigint, stall_ends bigint, stall_starts bigint,
    br_weight double, br_ms bigint, first_rate_ts bigint, last_rate_ts bigint, last_br integer)"""
VIEWS_INDEX = "create index if not exists ix_analytics_views_received on analytics_views (first_received)"


@dataclass
class ViewDelta:
    sid: str
    user_id: str
    country: str | None
    cid: str | None
    tid: str | None
    first_received: Any
    requested: int | None = None
    first_frame: int | None = None
    exit_ts: int | None = None
    last_ts: int = 0
    failed: bool = False
    stall_end_sum: int = 0
    stall_start_sum: int = 0
    stall_ends: int = 0
    stall_starts: int = 0
    br_weight: float = 0.0
    br_ms: int = 0
    first_rate_ts: int | None = None
    last_rate_ts: int | None = None
    last_br: int | None = None
    rates: list[tuple[int, int]] = field(default_factory=list)

    def add(self, kind: str, ts: int, br: int | None) -> None:
        self.last_ts = max(self.last_ts, ts)
        if kind == "play_requested":
            self.requested = ts if self.requested is None else min(self.requested, ts)
        elif kind == "exit":
            self.exit_ts = ts if self.exit_ts is None else max(self.exit_ts, ts)
        elif kind == "error":
            self.failed = True
        elif kind == "rebuffer_start":
            self.stall_start_sum, self.stall_starts = self.stall_start_sum + ts, self.stall_starts + 1
        elif kind == "rebuffer_end":
            self.stall_end_sum, self.stall_ends = self.stall_end_sum + ts, self.stall_ends + 1
        if kind == "first_frame":
            self.first_frame = ts if self.first_frame is None else min(self.first_frame, ts)
        if kind in RATE_KINDS and br is not None:
            self.rates.append((ts, br))

    def close(self) -> tuple[Any, ...]:
        """The row to merge: the spans between this append's own bitrate reports summed."""
        rates = sorted(self.rates)
        for (ts, br), (next_ts, _) in itertools.pairwise(rates):
            self.br_weight += br * (next_ts - ts)
            self.br_ms += next_ts - ts
        if rates:
            self.first_rate_ts, (self.last_rate_ts, self.last_br) = rates[0][0], rates[-1]
        return astuple(self)[:-1]


VIEW_COLUMNS = tuple(name for name in ViewDelta.__dataclass_fields__ if name != "rates")


def deltas(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows of (sid, user_id, country, cid, tid, received_at, kind, ts, br) -> one delta per view."""
    views: dict[str, ViewDelta] = {}
    for sid, user_id, country, cid, tid, received_at, kind, ts, br in rows:
        view = views.get(sid)
        if view is None:
            view = views[sid] = ViewDelta(sid, user_id, country, cid, tid, received_at)
        view.add(kind, ts, br)
    return [view.close() for view in views.values()]


def _least(name: str) -> str:
    return f"least(coalesce(v.{name}, excluded.{name}), coalesce(excluded.{name}, v.{name}))"


def _greatest(name: str) -> str:
    return f"greatest(coalesce(v.{name}, excluded.{name}), coalesce(excluded.{name}, v.{name}))"


STALL_COLUMNS = ("stall_end_sum", "stall_start_sum", "stall_ends", "stall_starts")

# The span from the view's last known bitrate to this append's first one, when it follows it.
_BRIDGE = (
    "case when v.last_rate_ts is not null and excluded.first_rate_ts > v.last_rate_ts "
    "then excluded.first_rate_ts - v.last_rate_ts else 0 end"
)
_NEWER = "coalesce(excluded.last_rate_ts, -1) > coalesce(v.last_rate_ts, -1)"
MERGE = (
    f"insert into analytics_views as v ({', '.join(VIEW_COLUMNS)}) "
    f"select {', '.join(f'unnest(${n + 1})' for n in range(len(VIEW_COLUMNS)))} "
    "on conflict (sid) do update set "
    + ", ".join(
        [
            f"first_received = {_least('first_received')}",
            *(f"{name} = {_least(name)}" for name in ("requested", "first_frame", "first_rate_ts")),
            f"exit_ts = {_greatest('exit_ts')}",
            "last_ts = greatest(v.last_ts, excluded.last_ts)",
            "failed = v.failed or excluded.failed",
            *(f"{name} = v.{name} + excluded.{name}" for name in STALL_COLUMNS),
            f"br_weight = v.br_weight + excluded.br_weight + coalesce(v.last_br, 0) * ({_BRIDGE})",
            f"br_ms = v.br_ms + excluded.br_ms + (case when v.last_br is null then 0 else {_BRIDGE} end)",
            f"last_rate_ts = case when {_NEWER} then excluded.last_rate_ts else v.last_rate_ts end",
            f"last_br = case when {_NEWER} then excluded.last_br else v.last_br end",
        ]
    )
)


def merge(con: duckdb.DuckDBPyConnection, rows: Iterable[Sequence[Any]]) -> None:
    views = deltas(rows)
    if views:
        sids = [view[0] for view in views]
        old = buckets.before(con, sids)
        con.execute(MERGE, [list(column) for column in zip(*views, strict=True)])
        buckets.after(con, sids, old)


# The same rows from the raw beacons at once (after a bulk load, or to rebuild the rollup).
REBUILD = f"""
insert or replace into analytics_views ({", ".join(VIEW_COLUMNS)})
with rated as (
    select sid, ts, br, lead(ts) over (partition by sid order by ts) as next_ts,
        row_number() over (partition by sid order by ts desc) as from_last
    from analytics_beacons where kind in ('first_frame', 'bitrate_switch') and br is not null
),
rates as (
    select sid, sum(br * (next_ts - ts)) filter (where next_ts is not null) as br_weight,
        sum(next_ts - ts) filter (where next_ts is not null) as br_ms, min(ts) as first_rate_ts,
        max(ts) as last_rate_ts, any_value(br) filter (where from_last = 1) as last_br
    from rated group by sid
)
select b.sid, any_value(user_id), any_value(country), any_value(cid), any_value(tid), min(received_at),
    min(ts) filter (where kind = 'play_requested'), min(ts) filter (where kind = 'first_frame'),
    max(ts) filter (where kind = 'exit'), max(ts), count(*) filter (where kind = 'error') > 0,
    coalesce(sum(ts) filter (where kind = 'rebuffer_end'), 0),
    coalesce(sum(ts) filter (where kind = 'rebuffer_start'), 0),
    count(*) filter (where kind = 'rebuffer_end'), count(*) filter (where kind = 'rebuffer_start'),
    coalesce(any_value(r.br_weight), 0), coalesce(any_value(r.br_ms), 0), any_value(r.first_rate_ts),
    any_value(r.last_rate_ts), any_value(r.last_br)
from analytics_beacons b left join rates r using (sid)
group by b.sid order by 6
"""  # noqa: S608 - constants


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """The per-view rollup from the raw beacons, then the time buckets from it."""
    con.execute(REBUILD)
    buckets.rebuild(con)
