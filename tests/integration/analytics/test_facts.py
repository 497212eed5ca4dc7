"""Server-side facts from events: a title's engagement and retention, the business figures,
exactly once under redelivery, and the same figures again after a replay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cinemesh.contracts.billing import (
    BillingCreditNoteIssuedV1,
    BillingInvoiceIssuedV1,
    BillingSubscriptionChangedV1,
    EntitlementsV1,
)
from cinemesh.contracts.delivery import PlaybackEndedV1, PlaybackStartedV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.history import ProgressRecordedV1, WatchedChangedV1
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.users import UserRegisteredV1
from cinemesh.platform.ids import new_id_str
from tests.integration.analytics.harness import AnalyticsHarness

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DURATION = 600.0
# How far each of the title's views got (seconds), and whether history counted it watched.
REACHED = [600.0, 540.0, 300.0, 30.0]


def _views(title_id: str) -> list[EventContract]:
    events: list[EventContract] = []
    for n, position in enumerate(REACHED):
        user, session = new_id_str(), new_id_str()
        start = NOW - dt.timedelta(hours=2, minutes=n)
        events += [
            PlaybackStartedV1(
                session_id=session,
                user_id=user,
                profile_id=user,
                device_id="d",
                content_id=title_id,
                video_id="v",
                max_height=1080,
                started_at=start,
                country="FR",
            ),
            PlaybackEndedV1(
                session_id=session,
                user_id=user,
                profile_id=user,
                content_id=title_id,
                reason="stopped",
                ended_at=start + dt.timedelta(seconds=position + 5),
                position_seconds=position,
            ),
            ProgressRecordedV1(
                user_id=user,
                profile_id=user,
                content_id=title_id,
                title_id=title_id,
                position_seconds=None if position >= 540 else position,
                duration_seconds=DURATION,
                completed=position >= 540,
                updated_at=start,
            ),
        ]
        if position >= 540:
            events.append(
                WatchedChangedV1(
                    user_id=user,
                    profile_id=user,
                    content_id=title_id,
                    title_id=title_id,
                    watched=True,
                    times_watched=1,
                    source="played",
                    changed_at=start,
                )
            )
    return events


def _period() -> dict[str, str]:
    return {"from": (NOW - dt.timedelta(days=1)).isoformat(), "to": (NOW + dt.timedelta(hours=1)).isoformat()}


async def test_title_engagement_and_retention(analytics: AnalyticsHarness) -> None:
    await analytics.feed(*_views("movie-9"))
    admin = analytics.account(roles=("admin",))
    report = (await analytics.get(admin, "/titles/movie-9", **_period())).json()
    completed = sum(1 for p in REACHED if p >= 540)
    assert report["engagement"] == {
        "plays": len(REACHED),
        "unique_viewers": len(REACHED),
        "watch_time_seconds": sum(p + 5 for p in REACHED),
        "completions": completed,
        "completion_rate": round(completed / len(REACHED), 6),
    }
    curve = {point["second"]: point["share"] for point in report["retention"]}
    assert curve[0.0] == 1.0
    for second in (30.0, 300.0, 540.0, 600.0):
        assert curve[second] == sum(1 for p in REACHED if p >= second) / len(REACHED)
    assert list(curve.values()) == sorted(curve.values(), reverse=True)
    other = (await analytics.get(admin, "/titles/other", **_period())).json()
    assert other["engagement"]["plays"] == 0 and other["retention"] == []


async def test_redelivery_counts_once_and_replay_rebuilds_the_same(analytics: AnalyticsHarness) -> None:
    envelopes = [to_envelope(event, source="tests") for event in _views("movie-7")]
    await analytics.feed(*envelopes)
    await analytics.feed(*envelopes)  # the bus redelivers everything
    admin = analytics.account(roles=("admin",))
    first = (await analytics.get(admin, "/titles/movie-7", **_period())).json()
    assert first["engagement"]["plays"] == len(REACHED)
    spec = analytics.app.state.runtime.subscriptions[0]
    await analytics.app.state.runtime.prepare_replay(spec)
    emptied = (await analytics.get(admin, "/titles/movie-7", **_period())).json()
    assert emptied["engagement"]["plays"] == 0
    await analytics.feed(*envelopes)
    assert (await analytics.get(admin, "/titles/movie-7", **_period())).json() == first


PRICES = {"basic": 599, "standard": 1299, "premium": 1799}


def _subscription(
    user: str, version: int, tier: str, status: str, billing: str, at: dt.datetime, *, sub: str = "1"
) -> Any:
    return BillingSubscriptionChangedV1(
        user_id=user,
        subscription_id=f"sub-{user}-{sub}",
        monthly_amount=PRICES[tier],
        currency="EUR",
        version=version,
        tier=tier,
        status=status,
        billing_status=billing,
        auto_renew=True,
        current_period_end=None,
        changed_at=at,
        entitlements=EntitlementsV1(max_height=1080, concurrent_streams=2, downloads=0),
    )


async def test_business_figures(analytics: AnalyticsHarness) -> None:
    start, end = NOW - dt.timedelta(days=30), NOW
    before, during = start - dt.timedelta(days=3), start + dt.timedelta(days=10)
    stays, leaves, trial, old, back = (new_id_str() for _ in range(5))
    await analytics.feed(
        _subscription(stays, 1, "premium", "active", "active", before),
        _subscription(leaves, 1, "standard", "active", "active", before),
        _subscription(leaves, 2, "standard", "canceled", "canceled", during),
        _subscription(trial, 1, "basic", "active", "trialing", during),
        _subscription(trial, 2, "standard", "active", "active", during + dt.timedelta(days=7)),
        # canceled at version 3, then a new subscription: its version 1 is the latest state
        _subscription(back, 3, "basic", "canceled", "canceled", before),
        _subscription(back, 1, "basic", "active", "past_due", during, sub="2"),
        _invoice(stays, 1799, during),
        _invoice(trial, 1299, during + dt.timedelta(days=7)),
        _invoice(old, 599, before),  # before the period: not its revenue
        _credit_note(stays, -500, during + dt.timedelta(days=1)),
        *(
            UserRegisteredV1(user_id=u, username=u, country="FR", roles=["viewer"], registered_at=during)
            for u in (trial, new_id_str())
        ),
        UserRegisteredV1(user_id=old, username=old, country="FR", roles=["viewer"], registered_at=before),
    )
    admin = analytics.account(roles=("admin",))
    report = (
        await analytics.get(admin, "/business", **{"from": start.isoformat(), "to": end.isoformat()})
    ).json()
    assert report == {
        "sign_ups": 2,
        "trials_started": 1,
        "trial_conversions": 1,
        "mrr": {"EUR": 1799 + 1299 + 599},  # premium, the converted trial, the one in dunning
        "revenue": {"EUR": {"invoiced": 1799 + 1299, "refunded": 500, "net": 1799 + 1299 - 500}},
        "active_subscriptions": {"basic": 1, "premium": 1, "standard": 1},
        "active_at_start": 2,
        "churned": 1,
        "churn_rate": 0.5,
    }


def _invoice(user: str, subtotal: int, at: dt.datetime) -> BillingInvoiceIssuedV1:
    return BillingInvoiceIssuedV1(
        invoice_id=new_id_str(), user_id=user, subscription_id=f"sub-{user}-1", number=1,
        display_number="CM-000001", currency="EUR", country="FR", subtotal=subtotal, tax=subtotal // 5,
        total=subtotal + subtotal // 5, issued_at=at,
    )  # fmt: skip


def _credit_note(user: str, subtotal: int, at: dt.datetime) -> BillingCreditNoteIssuedV1:
    return BillingCreditNoteIssuedV1(
        credit_note_id=new_id_str(), invoice_id=new_id_str(), user_id=user, subscription_id=f"sub-{user}-1",
        number=1, display_number="CN-000001", invoice_number="CM-000001", currency="EUR", subtotal=subtotal,
        tax=subtotal // 5, total=subtotal + subtotal // 5, issued_at=at,
    )  # fmt: skip


async def test_concurrent_viewers_are_the_sessions_still_playing(analytics: AnalyticsHarness) -> None:
    started = [
        PlaybackStartedV1(session_id=new_id_str(), user_id=new_id_str(), profile_id="p", device_id="d",
                          content_id="live-1", video_id="v", max_height=720,
                          started_at=NOW - dt.timedelta(minutes=n + 1), country="FR" if n % 2 else "US")
        for n in range(5)
    ]  # fmt: skip
    ended = [
        PlaybackEndedV1(session_id=s.session_id, user_id=s.user_id, profile_id="p", content_id="live-1",
                        reason="stopped", ended_at=NOW - dt.timedelta(seconds=10))
        for s in started[:2]
    ]  # fmt: skip
    await analytics.feed(*started, *ended)
    admin = analytics.account(roles=("admin",))
    playing = len(started) - len(ended)
    report = (await analytics.get(admin, "/qoe", title_id="live-1", **_period())).json()
    assert report["concurrent_viewers"] == playing
    french = (await analytics.get(admin, "/qoe", title_id="live-1", country="FR", **_period())).json()
    assert french["concurrent_viewers"] == sum(1 for s in started[2:] if s.country == "FR")
    before_ends = {
        "from": (NOW - dt.timedelta(days=1)).isoformat(),
        "to": (NOW - dt.timedelta(seconds=30)).isoformat(),
    }
    assert (await analytics.get(admin, "/qoe", title_id="live-1", **before_ends)).json()[
        "concurrent_viewers"
    ] == 5
