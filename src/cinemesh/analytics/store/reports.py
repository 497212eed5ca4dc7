"""The figures, as SQL over DuckDB, with Mux's definitions (docs/analytics.md spells them out).

A view is one playback session id (`sid`) of the players' beacons; it belongs to the period in
which its first beacon arrived (the server's clock), and its durations are differences of the
player's own clock. Figures that are a share are null when nothing was there to share.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb

from cinemesh.analytics.domain import Period, ReportFilter
from cinemesh.analytics.store import qoe as buckets_qoe

TITLE_OWNER = (
    "select arg_min(user_id, occurred_at) from analytics_facts "
    "where type = 'catalog.title.created.v1' and title_id = ?"
)


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: Any = None) -> Any:
    row = con.execute(query, params).fetchone()
    return row[0] if row else None


def _share(part: float | None, whole: float | None) -> float | None:
    return round(part / whole, 6) if part is not None and whole else None


def _ms(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 1)


def qoe(con: duckdb.DuckDBPyConnection, query: ReportFilter) -> dict[str, Any]:
    """From the time buckets (store/qoe.py); the definitions are the per-view rollup's."""
    figures = buckets_qoe.sums(con, query)
    plays, watch, br_weight, br_ms = (figures[k] or 0 for k in ("plays", "watch_ms", "br_weight", "br_ms"))
    return {
        "plays": int(plays),
        "unique_viewers": int(figures["unique_viewers"]),
        "startup_time_p50_ms": _ms(figures["startup_p50"]),
        "startup_time_p90_ms": _ms(figures["startup_p90"]),
        "rebuffering_ratio": _share(figures["rebuffer_ms"], watch),
        "rebuffer_frequency": _share(figures["rebuffered"], plays),
        "exits_before_video_start": _share(figures["exits"], plays),
        "playback_failure_rate": _share(figures["failures"], plays),
        "average_bitrate_kbps": _ms(br_weight / br_ms) if br_ms else None,
        "watch_time_seconds": round(watch / 1000, 3),
        "concurrent_viewers": _playing(con, query),
    }


_PLAYING = """
select count(*) from analytics_facts s
where s.type = 'delivery.playback.started.v1' and not coalesce(s.flag, false) and s.occurred_at <= $at
    and ($title::varchar is null or s.content_id = $title or s.title_id = $title)
    and ($country::varchar is null or s.detail = $country)
    and not exists (
        select 1 from analytics_facts e
        where e.type = 'delivery.playback.ended.v1' and e.session_id = s.session_id and e.occurred_at <= $at
    )
"""


def _playing(con: duckdb.DuckDBPyConnection, query: ReportFilter) -> int:
    """Playback sessions delivery had started and not ended at the period's end (or now)."""
    at = min(query.period.end, dt.datetime.now(dt.UTC))
    return int(scalar(con, _PLAYING, {"at": at, "title": query.title_id, "country": query.country}) or 0)


def _title_facts(con: duckdb.DuckDBPyConnection, title_id: str, period: Period) -> dict[str, Any]:
    params = {"id": title_id, "start": period.start, "end": period.end}
    row = con.execute(
        """
        with starts as (
            select * from analytics_facts
            where type = 'delivery.playback.started.v1' and not coalesce(flag, false)
                and (content_id = $id or title_id = $id) and occurred_at >= $start and occurred_at < $end
        ),
        ends as (
            select session_id, max(occurred_at) as ended_at, max(position) as position
            from analytics_facts where type = 'delivery.playback.ended.v1' group by session_id
        )
        select count(*), count(distinct s.user_id),
            sum(epoch(e.ended_at) - epoch(s.occurred_at)) filter (where e.ended_at is not null)
        from starts s left join ends e using (session_id)
        """,
        params,
    ).fetchone()
    completed = scalar(
        con,
        """select count(distinct (user_id, content_id)) from analytics_facts
        where type = 'history.watched.v1' and flag and detail = 'played'
            and (content_id = $id or title_id = $id) and occurred_at >= $start and occurred_at < $end""",
        params,
    )
    plays, viewers, watch = row if row else (0, 0, None)
    return {
        "plays": int(plays),
        "unique_viewers": int(viewers),
        "watch_time_seconds": round(float(watch or 0), 3),
        "completions": int(completed or 0),
        "completion_rate": _share(completed, plays),
    }


def _retention(con: duckdb.DuckDBPyConnection, title_id: str, period: Period) -> list[dict[str, float]]:
    """PeerTube's per-second retention: the share of views still watching at each second, from
    how far each view got (delivery's last reported position), over the content's duration."""
    params = {"id": title_id, "start": period.start, "end": period.end}
    duration = scalar(
        con,
        """select max(duration) from analytics_facts
        where duration is not null and (content_id = $id or title_id = $id)""",
        {"id": title_id},
    )
    reached = con.execute(
        """select floor(e.position)::bigint as second, count(*) from analytics_facts s
        join analytics_facts e on e.session_id = s.session_id and e.type = 'delivery.playback.ended.v1'
        where s.type = 'delivery.playback.started.v1' and not coalesce(s.flag, false)
            and (s.content_id = $id or s.title_id = $id) and s.occurred_at >= $start and s.occurred_at < $end
            and e.position is not null
        group by second""",
        params,
    ).fetchall()
    views = sum(count for _, count in reached)
    if not views or not duration:
        return []
    step = max(1, math.ceil(float(duration) / 100))
    points = []
    for second in range(0, int(duration) + 1, step):
        still = sum(count for at, count in reached if at >= second)
        points.append({"second": float(second), "share": round(still / views, 6)})
    return points


def title(con: duckdb.DuckDBPyConnection, title_id: str, period: Period) -> dict[str, Any]:
    quality = qoe(con, ReportFilter(period=period, title_id=title_id))
    return {
        "title_id": title_id,
        "engagement": _title_facts(con, title_id, period),
        "retention": _retention(con, title_id, period),
        "qoe": quality,
    }


# An account's subscription at a moment: its latest change up to then (by the change's time, then
# the ledger version: an account's next subscription starts its versions at 1 again).
_STATE_AT_START = """
    select user_id, tier, status, detail as billing_status, amount, currency from (
        select *, row_number() over (partition by user_id order by occurred_at desc, version desc) as n
        from analytics_facts where type = 'billing.subscription.changed.v1' and occurred_at < $start
    ) where n = 1
"""
_STATE_AT_END = _STATE_AT_START.replace("$start", "$end")
_BY_TIER = (
    "with e as (" + _STATE_AT_END + ") "  # noqa: S608 - constants only
    "select tier, count(*) from e where status = 'active' group by tier order by tier"
)
_CHURN = (
    "with s as (" + _STATE_AT_START + "), e as (" + _STATE_AT_END + ") "
    "select count(*) filter (where s.status = 'active'), "
    "count(*) filter (where s.status = 'active' and coalesce(e.status, '') != 'active') "
    "from s left join e using (user_id)"
)
# Monthly recurring revenue at the end: the paying subscriptions' monthly list prices (a trial
# pays nothing yet; one in dunning is still counted, as Stripe's MRR does), per currency.
_MRR = (
    "with e as (" + _STATE_AT_END + ") "  # noqa: S608 - constants only
    "select currency, sum(amount) from e where billing_status in ('active', 'past_due') "
    "and amount is not null group by currency order by currency"
)
# Revenue in the period, before tax: invoiced, less what credit notes gave back, per currency.
_REVENUE = """
    select currency,
        coalesce(sum(amount) filter (where type = 'billing.invoice.issued.v1'), 0),
        -coalesce(sum(amount) filter (where type = 'billing.credit_note.issued.v1'), 0)
    from analytics_facts
    where type in ('billing.invoice.issued.v1', 'billing.credit_note.issued.v1')
        and occurred_at >= $start and occurred_at < $end
    group by currency order by currency
"""
# Trials that became paying in the period: the account's first paid state follows its trial.
_CONVERSIONS = """
    select count(*) from (
        select min(occurred_at) filter (where detail = 'active') as paid_at,
            min(occurred_at) filter (where detail = 'trialing') as trial_at
        from analytics_facts where type = 'billing.subscription.changed.v1' group by user_id
    ) where trial_at is not null and trial_at <= paid_at and paid_at >= $start and paid_at < $end
"""


def _money(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> dict[str, Any]:
    mrr = con.execute(_MRR, {"end": params["end"]}).fetchall()
    revenue = con.execute(_REVENUE, params).fetchall()
    return {
        "mrr": {currency: int(amount) for currency, amount in mrr},
        "revenue": {
            currency: {"invoiced": int(invoiced), "refunded": int(refunded), "net": int(invoiced - refunded)}
            for currency, invoiced, refunded in revenue
        },
        "trial_conversions": int(scalar(con, _CONVERSIONS, params) or 0),
    }


def business(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, Any]:
    params = {"start": period.start, "end": period.end}
    signups = scalar(
        con,
        "select count(*) from analytics_facts where type = 'users.user.registered.v1' "
        "and occurred_at >= $start and occurred_at < $end",
        params,
    )
    by_tier = con.execute(_BY_TIER, {"end": period.end}).fetchall()
    row = con.execute(_CHURN, params).fetchone()
    active_start, churned = row if row else (0, 0)
    trials = scalar(
        con,
        "select count(distinct user_id) from analytics_facts where type = 'billing.subscription.changed.v1' "
        "and detail = 'trialing' and occurred_at >= $start and occurred_at < $end",
        params,
    )
    return {
        **_money(con, params),
        "sign_ups": int(signups or 0),
        "trials_started": int(trials or 0),
        "active_subscriptions": {tier: int(count) for tier, count in by_tier},
        "active_at_start": int(active_start or 0),
        "churned": int(churned or 0),
        "churn_rate": _share(churned, active_start),
    }
