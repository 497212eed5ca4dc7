"""Beacon ingestion: what is kept, what is refused (and how), and that nothing crashes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cinemesh.analytics.settings import AnalyticsSettings
from tests.integration.analytics.harness import (
    BEACONS,
    AnalyticsHarness,
    View,
    period_params,
    running_analytics,
)


async def _stored(analytics: AnalyticsHarness) -> dict[str, int]:
    counts: dict[str, int] = await analytics.app.state.context.service.store.counts()
    return counts


async def test_a_good_batch_is_kept_once_even_when_resent(analytics: AnalyticsHarness) -> None:
    viewer = analytics.account()
    view = View(cid="movie-1")
    events = [
        view.event("play_requested", 0, su=True, st="v"),
        view.event("first_frame", 800, br=3000, bl=4000, mtp=12000),
        view.event("exit", 5000, pt=4200),
    ]
    first = await analytics.send(viewer, events)
    assert first.status_code == 202, first.text
    assert first.json() == {"accepted": 3, "rejected": 0}
    again = await analytics.send(viewer, events)
    assert again.json() == {"accepted": 3, "rejected": 0}
    assert (await _stored(analytics))["beacons"] == 3


async def test_malformed_events_are_dropped_named_and_the_rest_kept(analytics: AnalyticsHarness) -> None:
    viewer = analytics.account()
    view = View(cid="movie-1")
    good = view.event("play_requested", 0)
    bad_kind = view.event("teleported", 10)
    bad_bitrate = view.event("bitrate_switch", 20, br="fast")
    no_ts = {key: value for key, value in view.event("exit", 30).items() if key != "ts"}
    events: list[Any] = [good, bad_kind, bad_bitrate, no_ts, "not an object"]
    response = await analytics.client.post(BEACONS, json={"events": events}, headers=viewer.auth)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["accepted"] == 1 and problem["rejected"] == 4
    assert problem["errors"][0]["field"] == "events.1.e"
    assert [r["field"] for r in problem["rejections"]] == [
        "events.1.e",
        "events.2.br",
        "events.3.ts",
        "events.4",
    ]
    assert (await _stored(analytics))["beacons"] == 1


async def test_unreadable_batches_are_refused_with_the_field(analytics: AnalyticsHarness) -> None:
    viewer = analytics.account()
    cases: list[tuple[Any, int]] = [({"events": "x"}, 422), ([1, 2], 422), ({"nothing": []}, 422)]
    for body, status in cases:
        response = await analytics.client.post(BEACONS, json=body, headers=viewer.auth)
        assert response.status_code == status, (body, response.text)
        assert response.json()["errors"][0]["field"] == "events"
    garbage = await analytics.client.post(BEACONS, content=b"{not json", headers=viewer.auth)
    assert garbage.status_code == 422 and garbage.json()["errors"][0]["field"] == "events"


async def test_huge_batches_are_refused(tmp_path: Path) -> None:
    settings = AnalyticsSettings(max_batch_events=10, max_batch_bytes=4096)
    async with running_analytics(tmp_path, analytics_settings=settings) as analytics:
        viewer = analytics.account()
        view = View(cid="movie-1")
        too_many = await analytics.send(viewer, [view.event("bitrate_switch", n, br=n) for n in range(11)])
        assert too_many.status_code == 413 and too_many.json()["errors"][0]["field"] == "events"
        too_big = await analytics.send(viewer, [view.event("error", 0, code="x" * 5000)])
        assert too_big.status_code == 413
        long_text = await analytics.send(viewer, [view.event("error", 0, code="x" * 129)])
        assert long_text.status_code == 422 and long_text.json()["errors"][0]["field"] == "events.0.code"
        assert (await _stored(analytics))["beacons"] == 0


async def test_nul_is_refused_and_unicode_is_kept(analytics: AnalyticsHarness) -> None:
    viewer = analytics.account()
    nul = View(cid="movie\x00-1")
    response = await analytics.send(viewer, [nul.event("play_requested", 0)])
    assert response.status_code == 422
    assert (
        "events" in response.json()["errors"][0]["field"] and "cid" in response.json()["errors"][0]["field"]
    )
    # The same character through sendBeacon's text/plain body, which no JSON middleware reads.
    raw = '{"events": [{"id": "a", "e": "exit", "ts": 1796000000000, "sid": "s\\u0000"}]}'
    plain = await analytics.client.post(
        BEACONS, content=raw, headers={**viewer.auth, "Content-Type": "text/plain"}
    )
    assert plain.status_code == 422 and plain.json()["errors"][0]["field"].endswith("sid")
    unicode = View(cid="映画-🎬-Ünïcode")
    kept = await analytics.send(viewer, [unicode.event("error", 0, code="décodeur ✗")])
    assert kept.status_code == 202 and kept.json()["accepted"] == 1


async def test_unauthenticated_batches_are_refused(analytics: AnalyticsHarness) -> None:
    view = View(cid="movie-1")
    anonymous = await analytics.client.post(BEACONS, json={"events": [view.event("exit", 0)]})
    assert anonymous.status_code == 401
    forged = await analytics.client.post(
        BEACONS, json={"events": [view.event("exit", 0)], "access_token": "not.a.token"}
    )
    assert forged.status_code == 401
    assert (await _stored(analytics))["beacons"] == 0


async def test_send_beacon_body_token_authenticates(analytics: AnalyticsHarness) -> None:
    viewer = analytics.account()
    view = View(cid="movie-1")
    body = {"events": [view.event("exit", 0)], "access_token": viewer.token}
    response = await analytics.client.post(BEACONS, json=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 202 and response.json()["accepted"] == 1


async def test_another_accounts_session_is_refused(analytics: AnalyticsHarness) -> None:
    owner, intruder = analytics.account(), analytics.account()
    view = View(cid="movie-1")
    assert (await analytics.send(owner, [view.event("play_requested", 0)])).status_code == 202
    response = await analytics.send(
        intruder, [view.event("first_frame", 10), View(cid="m2").event("exit", 0)]
    )
    assert response.status_code == 403
    problem = response.json()
    assert problem["errors"][0]["field"] == "events.sid"
    assert (problem["accepted"], problem["rejected"]) == (1, 1)
    assert (await _stored(analytics))["beacons"] == 2


async def test_a_session_sending_too_much_is_rate_limited(tmp_path: Path) -> None:
    settings = AnalyticsSettings(session_events_per_minute=5)
    async with running_analytics(tmp_path, analytics_settings=settings) as analytics:
        viewer = analytics.account()
        view = View(cid="movie-1")
        ok = await analytics.send(viewer, [view.event("bitrate_switch", n, br=100 + n) for n in range(5)])
        assert ok.status_code == 202
        limited = await analytics.send(viewer, [view.event("bitrate_switch", 99, br=99)])
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        other_session = await analytics.send(viewer, [View(cid="movie-1").event("exit", 0)])
        assert other_session.status_code == 202


async def test_raw_beacons_past_retention_go_and_the_figures_stay(analytics: AnalyticsHarness) -> None:
    viewer, admin = analytics.account(), analytics.account(roles=("admin",))
    view = View(cid="movie-1")
    events = [
        view.event("play_requested", 0),
        view.event("first_frame", 900, br=2000),
        view.event("exit", 4000),
    ]
    assert (await analytics.send(viewer, events)).status_code == 202
    service = analytics.app.state.context.service
    kept = await service.purge(now=dt.datetime.now(dt.UTC), retention=dt.timedelta(days=1))
    assert kept == 0 and (await _stored(analytics))["beacons"] == 3
    purged = await service.purge(
        now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2), retention=dt.timedelta(days=1)
    )
    assert purged == 3 and (await _stored(analytics))["beacons"] == 0
    report = (await analytics.get(admin, "/qoe", **period_params())).json()
    assert report["plays"] == 1 and report["startup_time_p50_ms"] == 900
