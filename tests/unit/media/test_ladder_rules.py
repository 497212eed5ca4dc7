"""Ladder planning and probe limits: never upscale, even sizes, portrait by the short side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cinemesh.media.domain.videos import (
    BadMediaError,
    Limits,
    ProbeResult,
    check_probe,
    output_frame_rate,
    plan_ladder,
)

LIMITS = Limits(max_duration_seconds=3600, max_width=7680, max_height=4320)


def probe(width: int, height: int, *, fps: float = 25.0, duration: float = 10.0) -> ProbeResult:
    return ProbeResult("mp4", duration, width, height, fps, "h264", 0, True, "aac")


def test_a_1080p_source_gets_five_rungs_lowest_first() -> None:
    rungs = plan_ladder(probe(1920, 1080))
    assert [(r.width, r.height) for r in rungs] == [
        (426, 240),
        (640, 360),
        (854, 480),
        (1280, 720),
        (1920, 1080),
    ]
    assert all(r.max_kbps > r.target_kbps for r in rungs)


def test_portrait_rungs_are_named_by_the_short_side() -> None:
    assert [(r.width, r.height) for r in plan_ladder(probe(1080, 1920))][-1] == (1080, 1920)


def test_a_tiny_source_gets_one_rung_at_its_own_even_size() -> None:
    [rung] = plan_ladder(probe(175, 99))
    assert (rung.width, rung.height) == (174, 98)


def test_operators_can_choose_the_rungs_offered() -> None:
    assert [r.name for r in plan_ladder(probe(1920, 1080), [1080, 720, 480, 360])] == [360, 480, 720, 1080]


@given(st.integers(16, 4096), st.integers(16, 4096))
def test_never_upscaled_and_always_even(width: int, height: int) -> None:
    if max(width, height) / min(width, height) > 8:
        return
    for rung in plan_ladder(probe(width, height)):
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert min(rung.width, rung.height) <= min(width, height)
        assert max(rung.width, rung.height) <= max(width, height) + 1


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (probe(1920, 1080, duration=7200), "the limit is 3600 s"),
        (probe(1920, 1080, duration=0), "no measurable duration"),
        (probe(10000, 10000), "the limit is 7680x4320"),
        (probe(8, 8), "at least 16 px"),
        (probe(4000, 100), "absurd"),
    ],
)
def test_out_of_limit_sources_are_refused_with_the_reason(source: ProbeResult, message: str) -> None:
    with pytest.raises(BadMediaError, match=message):
        check_probe(source, LIMITS)


def test_output_frame_rate_caps_at_60_and_defaults_to_30() -> None:
    assert output_frame_rate(120) == 60 and output_frame_rate(0) == 30 and output_frame_rate(29.97) == 29.97


def test_near_broadcast_averages_snap_and_others_are_kept() -> None:
    assert output_frame_rate(24.867) == 25.0
    assert output_frame_rate(15.0) == 15.0
