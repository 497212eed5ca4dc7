"""The demo's titles say how long they are truthfully: 8 s clips are not "1 min"."""

from __future__ import annotations

import datetime as dt

from cinemesh.web.demo import title_body
from cinemesh.web.demo_titles import DEMO

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_clips_under_a_minute_have_no_runtime_so_no_min_label() -> None:
    for demo in DEMO:
        body = title_body(demo, now=NOW, clip_seconds=8.0)
        assert body["runtime_minutes"] is None, demo.key
        episodes = [e for s in body.get("seasons", []) for e in s["episodes"]]
        assert all(e["runtime_minutes"] is None for e in episodes)
    series = next(d for d in DEMO if d.episodes)
    assert title_body(series, now=NOW, clip_seconds=8.0)["seasons"][0]["episodes"]


def test_a_minute_long_clip_is_one_minute() -> None:
    assert title_body(DEMO[0], now=NOW, clip_seconds=60.0)["runtime_minutes"] == 1
