"""The beacon rules and the per-view rollup's arithmetic, without a store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cinemesh.analytics.domain import (
    FUTURE_SLACK_MS,
    BatchMalformedError,
    BatchTooLargeError,
    parse_beacons,
)
from cinemesh.analytics.store.rollup import VIEW_COLUMNS, deltas

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def _event(**keys: Any) -> dict[str, Any]:
    return {"id": "e1", "e": "exit", "ts": NOW_MS, "sid": "s1", **keys}


def _fields(*events: Any) -> list[str]:
    return [r.field for r in parse_beacons({"events": list(events)}, max_events=10, now=NOW)[1]]


def test_each_key_is_checked_and_named() -> None:
    assert _fields(_event(br=True)) == ["events.0.br"]  # a boolean is not a number
    assert _fields(_event(br=-1), _event(bl="9")) == ["events.0.br", "events.1.bl"]
    assert _fields(_event(ts=NOW_MS + FUTURE_SLACK_MS + 1)) == ["events.0.ts"]
    assert _fields(_event(ts=1_000)) == ["events.0.ts"]
    assert _fields(_event(st="x"), _event(su="yes"), _event(e="pause")) == [
        "events.0.st",
        "events.1.su",
        "events.2.e",
    ]
    assert _fields(_event(sid=""), _event(sid="s" * 65), _event(cid="a\x00b")) == [
        "events.0.sid",
        "events.1.sid",
        "events.2.cid",
    ]
    assert _fields(_event(st="v", su=True, br=3000, bl=1200, mtp=9000, pt=5000, cid="映画")) == []


def test_an_event_repeated_in_a_batch_counts_once() -> None:
    accepted, rejected = parse_beacons(
        {"events": [_event(), _event(), _event(id="e2")]}, max_events=10, now=NOW
    )
    assert [b.id for b in accepted] == ["e1", "e2"] and rejected == []


@pytest.mark.parametrize("batch", [None, [], {"events": {}}, {"events": None}, "events"])
def test_a_batch_that_is_not_one_is_refused(batch: Any) -> None:
    with pytest.raises(BatchMalformedError) as refused:
        parse_beacons(batch, max_events=10, now=NOW)
    assert refused.value.field == "events"


def test_too_many_events_are_refused() -> None:
    with pytest.raises(BatchTooLargeError):
        parse_beacons({"events": [_event(id=str(n)) for n in range(11)]}, max_events=10, now=NOW)


def test_a_view_delta_sums_its_stalls_and_its_bitrate_spans() -> None:
    rows = [
        ("s1", "u", "FR", "c", None, NOW, kind, ts, br)
        for kind, ts, br in [
            ("play_requested", 0, None),
            ("first_frame", 1000, 2000),
            ("rebuffer_start", 3000, 2000),
            ("rebuffer_end", 3400, 2000),
            ("bitrate_switch", 5000, 800),
            ("exit", 9000, 800),
        ]
    ]
    (row,) = deltas(rows)
    view = dict(zip(VIEW_COLUMNS, row, strict=True))
    assert (view["requested"], view["first_frame"], view["exit_ts"]) == (0, 1000, 9000)
    assert view["stall_end_sum"] - view["stall_start_sum"] == 400
    # Only first frames and switches set the bitrate: 2000 kbps from 1000 to 5000 ms; the last
    # span (800 kbps from 5000 ms) stays open until the view's end is known.
    assert (view["br_weight"], view["br_ms"]) == (2000 * 4000, 4000)
    assert (view["last_rate_ts"], view["last_br"]) == (5000, 800)
