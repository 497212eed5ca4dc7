"""The resume rules and the ordering rule as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from cinemesh.history.domain import Outcome, Report, ResumeRules, apply_report

AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def report(position: float, *, session: str = "s1", sequence: int = 1, seconds: int = 0) -> Report:
    return Report(
        session_id=session,
        user_id="u",
        profile_id="p",
        device_id="d",
        content_id="c",
        title_id="t",
        content_type="movie",
        position_seconds=position,
        duration_seconds=100.0,
        trailer=False,
        sequence=sequence,
        reported_at=AT + dt.timedelta(seconds=seconds),
    )


def test_rules_are_configurable_and_checked() -> None:
    strict = ResumeRules(min_resume_percent=10, max_resume_percent=80)
    state, outcome = apply_report(None, report(8), strict, now=AT)
    assert outcome is Outcome.NO_RESUME_POINT and state is not None and state.position_seconds is None
    state, outcome = apply_report(None, report(85), strict, now=AT)
    assert outcome is Outcome.WATCHED and state is not None and state.times_watched == 1
    with pytest.raises(ValueError, match="min_resume_percent"):
        ResumeRules(min_resume_percent=90, max_resume_percent=90)


def test_within_a_session_the_sequence_decides_across_sessions_the_time() -> None:
    rules = ResumeRules()
    state, _ = apply_report(None, report(50, sequence=2, seconds=5), rules, now=AT)
    # Same session, lower sequence, even with a later time: older.
    assert apply_report(state, report(60, sequence=1, seconds=9), rules, now=AT) == (None, Outcome.IGNORED)
    # Another session: the later receive time wins, whatever its sequence.
    newer, outcome = apply_report(state, report(20, session="s2", sequence=1, seconds=6), rules, now=AT)
    assert outcome is Outcome.RESUME_POINT and newer is not None and newer.position_seconds == 20
    older = report(70, session="s3", sequence=9, seconds=4)
    assert apply_report(newer, older, rules, now=AT) == (None, Outcome.IGNORED)
