"""Reports make resume points by the rules (Jellyfin's defaults) and never go back in time."""

from __future__ import annotations

import random

from cinemesh.contracts.publishing import to_envelope
from cinemesh.platform.ids import new_id_str
from tests.integration.history.harness import HistoryHarness, Playback, Viewer


def _movie(viewer: Viewer, *, trailer: bool = False, content_type: str = "movie") -> Playback:
    content_id = new_id_str()
    return Playback(
        viewer=viewer, content_id=content_id, title_id=content_id, trailer=trailer, content_type=content_type
    )


async def test_four_fifty_and_ninety_one_percent(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    four, fifty, ninety_one = _movie(viewer), _movie(viewer), _movie(viewer)
    await history.feed(four.report(40, at=history.at()))
    await history.feed(fifty.report(500, at=history.at()))
    await history.feed(ninety_one.report(910, at=history.at()))

    row = (await history.get(viewer, "/api/v1/history/continue-watching")).json()["items"]
    assert [(item["content_id"], item["position_seconds"]) for item in row] == [(fifty.content_id, 500)]
    assert row[0]["progress_percent"] == 50 and row[0]["duration_seconds"] == 1000

    under = (await history.get(viewer, f"/api/v1/history/progress/{four.content_id}")).json()
    assert under["position_seconds"] is None and under["completed"] is False  # no resume point
    over = (await history.get(viewer, f"/api/v1/history/progress/{ninety_one.content_id}")).json()
    assert over["position_seconds"] is None and over["completed"] is True and over["times_watched"] == 1

    watched = (await history.get(viewer, "/api/v1/history")).json()
    assert [item["content_id"] for item in watched["items"]] == [ninety_one.content_id]


async def test_credits_count_one_view_per_session_and_a_rewatch_counts_again(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    first = _movie(viewer)
    for position in (920, 950, 990):  # the credits roll: one session, one view
        await history.feed(first.report(position, at=history.at()))
    again = Playback(viewer=viewer, content_id=first.content_id, title_id=first.title_id)
    await history.feed(again.report(300, at=history.at()))
    entry = (await history.get(viewer, f"/api/v1/history/progress/{first.content_id}")).json()
    assert entry["times_watched"] == 1 and entry["position_seconds"] == 300  # rewatching: resumable
    await history.feed(again.report(995, at=history.at()))
    entry = (await history.get(viewer, f"/api/v1/history/progress/{first.content_id}")).json()
    assert entry["times_watched"] == 2 and entry["position_seconds"] is None


async def test_trailers_never_count(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    trailer = _movie(viewer, trailer=True, content_type="trailer")
    await history.feed(trailer.report(60, at=history.at()))
    response = await history.get(viewer, f"/api/v1/history/progress/{trailer.content_id}")
    assert response.status_code == 404
    assert (await history.get(viewer, "/api/v1/history/continue-watching")).json()["items"] == []


async def test_replayed_and_reordered_reports_change_nothing(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    phone = _movie(viewer)
    reports = [phone.report(position, at=history.at()) for position in range(100, 700, 50)]
    await history.feed(*reports)
    settled = (await history.get(viewer, f"/api/v1/history/progress/{phone.content_id}")).json()
    assert settled["position_seconds"] == 650

    shuffled = reports[:]
    random.Random(7).shuffle(shuffled)
    # Replays with new envelope ids (a producer retry) and reordered: the inbox cannot catch them.
    await history.feed_envelopes(*(to_envelope(report, source="tests") for report in shuffled))
    after = (await history.get(viewer, f"/api/v1/history/progress/{phone.content_id}")).json()
    assert after == settled


async def test_across_devices_the_later_report_wins_and_a_late_one_is_ignored(
    history: HistoryHarness,
) -> None:
    viewer = await history.viewer()
    tv = _movie(viewer)
    phone = Playback(viewer=viewer, content_id=tv.content_id, title_id=tv.title_id)
    early_tv = tv.report(600, at=history.at())
    later_phone = phone.report(200, at=history.at())  # went back to an earlier scene on the phone
    late_tv = tv.report(610, at=early_tv.reported_at.replace(microsecond=500))  # before the phone's
    await history.feed(early_tv, later_phone, late_tv)
    entry = (await history.get(viewer, f"/api/v1/history/progress/{tv.content_id}")).json()
    assert entry["position_seconds"] == 200 and entry["device_id"] == phone.device_id
