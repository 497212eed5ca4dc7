"""The quality-of-experience figures follow Mux's definitions over known beacon sequences: the
expected figures are computed here from the same events by a plain reference implementation."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pytest

from cinemesh.analytics.store import rollup
from cinemesh.contracts.catalog import TitleCreatedV1
from tests.integration.analytics.harness import Account, AnalyticsHarness, View, period_params

Step = tuple[str, int, dict[str, Any]]


@dataclass
class Script:
    """A view's beacons as (kind, ms after the play request, CMCD keys)."""

    steps: list[Step]

    def at(self, kind: str) -> int | None:
        return next((ms for name, ms, _ in self.steps if name == kind), None)

    @property
    def end(self) -> int:
        return self.at("exit") or max(ms for _, ms, _ in self.steps)

    def rebuffer_ms(self) -> int:
        started, total, first = None, 0, self.at("first_frame")
        for kind, ms, _ in self.steps:
            if kind == "rebuffer_start" and first is not None and ms >= first:
                started = ms
            elif kind in ("rebuffer_end", "exit", "error") and started is not None:
                total, started = total + ms - started, None
        return total

    def bitrate_spans(self) -> list[tuple[int, int]]:
        rated = [(ms, keys["br"]) for _, ms, keys in self.steps if "br" in keys]
        if not rated:
            return []
        ends = [ms for ms, _ in rated[1:]] + [self.end]
        return [(br, end - ms) for (ms, br), end in zip(rated, ends, strict=True)]


SCRIPTS = [
    Script(
        [
            ("play_requested", 0, {}),
            ("first_frame", 1000, {"br": 2000}),
            ("bitrate_switch", 5000, {"br": 4000}),
            ("rebuffer_start", 7000, {"bl": 0}),
            ("rebuffer_end", 7500, {}),
            ("exit", 11000, {"pt": 9000}),
        ]
    ),
    Script(
        [
            ("play_requested", 0, {}),
            ("first_frame", 3000, {"br": 1000}),
            ("rebuffer_start", 6000, {}),
            ("exit", 9000, {}),
        ]
    ),
    Script([("play_requested", 0, {}), ("first_frame", 2500, {"br": 3000}), ("exit", 4000, {})]),
    Script([("play_requested", 0, {}), ("exit", 2000, {})]),  # left before the first frame
    Script([("play_requested", 0, {}), ("error", 1500, {"code": "4001"})]),  # failed
]


def _quantile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def expected(scripts: list[Script]) -> dict[str, Any]:
    startups = [s.at("first_frame") - 0 for s in scripts if s.at("first_frame") is not None]  # type: ignore[operator]
    watch = sum(s.end for s in scripts)
    spans = [span for s in scripts for span in s.bitrate_spans()]
    plays = len(scripts)
    return {
        "plays": plays,
        "startup_time_p50_ms": _quantile(startups, 0.5),
        "startup_time_p90_ms": _quantile(startups, 0.9),
        "rebuffering_ratio": round(sum(s.rebuffer_ms() for s in scripts) / watch, 6),
        "rebuffer_frequency": round(sum(1 for s in scripts if s.rebuffer_ms()) / plays, 6),
        "exits_before_video_start": round(
            sum(1 for s in scripts if s.at("first_frame") is None and s.at("error") is None) / plays, 6
        ),
        "playback_failure_rate": round(sum(1 for s in scripts if s.at("error") is not None) / plays, 6),
        "average_bitrate_kbps": round(sum(br * ms for br, ms in spans) / sum(ms for _, ms in spans), 1),
        "watch_time_seconds": watch / 1000,
    }


async def _play(
    analytics: AnalyticsHarness,
    scripts: list[Script],
    *,
    country: str = "FR",
    cid: str = "m1",
    per_batch: int = 100,
) -> list[tuple[Account, list[dict[str, Any]]]]:
    sent = []
    for script in scripts:
        viewer = analytics.account(country=country)
        view = View(cid=cid, start=1_796_000_000_000 + len(script.steps) * 7)
        events = [view.event(kind, ms, **keys) for kind, ms, keys in script.steps]
        for at in range(0, len(events), per_batch):
            assert (await analytics.send(viewer, events[at : at + per_batch])).status_code == 202
        sent.append((viewer, events))
    return sent


async def test_qoe_figures_follow_mux_definitions(analytics: AnalyticsHarness) -> None:
    await _play(analytics, SCRIPTS)
    admin = analytics.account(roles=("admin",))
    report = (await analytics.get(admin, "/qoe", **period_params())).json()
    assert report.pop("unique_viewers") == len(SCRIPTS)
    assert report.pop("concurrent_viewers") == 0  # no delivery session in these
    assert report == pytest.approx(expected(SCRIPTS))


async def test_views_sent_in_pieces_and_resent_give_the_same_figures(analytics: AnalyticsHarness) -> None:
    for viewer, events in await _play(analytics, SCRIPTS, per_batch=2):
        assert (await analytics.send(viewer, events)).json()["accepted"] == len(events)  # resent whole
    admin = analytics.account(roles=("admin",))
    report = (await analytics.get(admin, "/qoe", **period_params())).json()
    report.pop("unique_viewers"), report.pop("concurrent_viewers")
    assert report == pytest.approx(expected(SCRIPTS))


async def test_qoe_filters_by_country_and_title(analytics: AnalyticsHarness) -> None:
    await _play(analytics, SCRIPTS[:2], country="FR", cid="m1")
    await _play(analytics, SCRIPTS[2:], country="US", cid="m2")
    admin = analytics.account(roles=("admin",))
    french = (await analytics.get(admin, "/qoe", country="FR", **period_params())).json()
    assert (
        french["plays"] == 2 and french["startup_time_p50_ms"] == expected(SCRIPTS[:2])["startup_time_p50_ms"]
    )
    second = (await analytics.get(admin, "/qoe", title_id="m2", **period_params())).json()
    assert second["plays"] == 3 and second["playback_failure_rate"] == pytest.approx(1 / 3, abs=1e-6)
    past = (
        await analytics.get(admin, "/qoe", **{"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"})
    ).json()
    assert past["plays"] == 0 and past["startup_time_p50_ms"] is None and past["rebuffering_ratio"] is None


@pytest.mark.parametrize(
    ("path", "provider_status"), [("/qoe", 422), ("/titles/m1", 404), ("/business", 403)]
)
async def test_reports_are_for_admins(analytics: AnalyticsHarness, path: str, provider_status: int) -> None:
    viewer, admin = analytics.account(), analytics.account(roles=("admin",))
    assert (await analytics.client.get(f"/api/v1/analytics{path}")).status_code == 401
    refused = await analytics.get(viewer, path)
    assert refused.status_code == 403 and refused.json()["type"].endswith("forbidden-role")
    provider = await analytics.get(analytics.account(roles=("content_provider",)), path)
    assert provider.status_code == provider_status, provider.text
    assert (await analytics.get(admin, path)).status_code == 200


async def test_a_content_provider_reads_its_own_titles_only(analytics: AnalyticsHarness) -> None:
    mine, theirs = (
        analytics.account(roles=("content_provider",)),
        analytics.account(roles=("content_provider",)),
    )
    now = dt.datetime.now(dt.UTC)
    for owner, title_id in ((mine, "film-a"), (theirs, "film-b")):
        await analytics.feed(
            TitleCreatedV1(title_id=title_id, title=title_id, content_type="movie", status="draft",
                           created_by=owner.user_id, created_at=now)
        )  # fmt: skip
    await _play(analytics, SCRIPTS[:2], cid="film-a")
    await _play(analytics, SCRIPTS[2:], cid="film-b")
    own = (await analytics.get(mine, "/qoe", title_id="film-a", **period_params())).json()
    assert own["plays"] == 2
    assert (await analytics.get(mine, "/titles/film-a", **period_params())).json()["qoe"]["plays"] == 2
    for path, params in (("/qoe", {"title_id": "film-b"}), ("/titles/film-b", {}), ("/titles/unknown", {})):
        hidden = await analytics.get(mine, path, **params)
        assert hidden.status_code == 404 and hidden.json()["type"].endswith("title-figures-not-found")
    whole = await analytics.get(mine, "/qoe")
    assert whole.status_code == 422 and whole.json()["errors"][0]["field"] == "title_id"
    assert (await analytics.get(theirs, "/qoe", title_id="film-b", **period_params())).json()["plays"] == 3


async def test_a_bad_period_is_a_problem_naming_the_field(analytics: AnalyticsHarness) -> None:
    admin = analytics.account(roles=("admin",))
    backwards = await analytics.get(
        admin, "/qoe", **{"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "to"
    naive = await analytics.get(admin, "/business", **{"from": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
    earliest = await analytics.get(admin, "/qoe", to="0001-01-02T00:00:00Z")
    assert earliest.status_code == 422 and earliest.json()["errors"][0]["field"] == "to"
    ancient = await analytics.get(
        admin, "/qoe", **{"from": "0001-01-01T00:00:00Z", "to": "0001-01-03T00:00:00Z"}
    )
    assert ancient.status_code == 200 and ancient.json()["plays"] == 0


async def test_a_rebuilt_rollup_gives_the_same_figures(analytics: AnalyticsHarness) -> None:
    await _play(analytics, SCRIPTS, per_batch=2)
    admin = analytics.account(roles=("admin",))
    merged = (await analytics.get(admin, "/qoe", **period_params())).json()
    store = analytics.app.state.context.service.store
    for table in ("views", "qoe_buckets", "startup_bins", "day_viewers", "day_country_viewers"):
        await store._write(lambda con, table=table: con.execute(f"delete from analytics_{table}"))
    assert (await analytics.get(admin, "/qoe", **period_params())).json()["plays"] == 0
    await store._write(rollup.rebuild)
    assert (await analytics.get(admin, "/qoe", **period_params())).json() == merged
