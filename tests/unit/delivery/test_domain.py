"""The playback rules, without I/O."""

from __future__ import annotations

import datetime as dt

import pytest

from cinemesh.delivery import domain
from cinemesh.platform.errors import DomainError

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def refused(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as problem:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(problem.value.code)


def playable(rating: str | None = "R", windows: list[domain.Window] | None = None) -> domain.Playable:
    window = domain.Window("US", NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))
    return domain.Playable("c", "t", "v", rating, True, [window] if windows is None else windows)


def test_plan_limits() -> None:
    assert domain.PLAN_LIMITS["basic"] == domain.PlanLimits(720, 1)
    assert domain.PLAN_LIMITS["standard"] == domain.PlanLimits(1080, 2)
    assert domain.PLAN_LIMITS["premium"] == domain.PlanLimits(2160, 4)
    assert domain.PLAN_LIMITS["ultra"] == domain.PlanLimits(2160, 6)
    assert domain.Subscription().limits == domain.PLAN_LIMITS["basic"]  # the users service's default
    basic = domain.PLAN_LIMITS["basic"]
    assert domain.check_quality(basic, None) == 720
    assert refused(domain.check_quality, basic, 1080) == "plan-quality-limit"
    assert refused(domain.check_stream_count, basic, 1) == "plan-stream-limit"
    domain.check_stream_count(domain.PLAN_LIMITS["standard"], 1)
    assert domain.playable_heights([480, 720, 1080], 720) == [480, 720]


def test_subscription_must_be_active() -> None:
    assert (
        refused(domain.check_subscription, domain.Subscription("premium", "suspended"))
        == "subscription-inactive"
    )


def test_windows_are_per_country_and_half_open() -> None:
    assert domain.check_available(playable(), country="us", now=NOW) == "v"
    assert refused(domain.check_available, playable(), country="FR", now=NOW) == "region-unavailable"
    assert (
        refused(domain.check_available, playable(), country="US", now=NOW + dt.timedelta(days=1))
        == "region-unavailable"
    )
    assert refused(domain.check_available, playable(), country=None, now=NOW) == "region-unknown"
    assert refused(domain.check_available, None, country="US", now=NOW) == "title-not-published"


def test_a_worldwide_window_plays_everywhere_but_its_excepted_countries() -> None:
    worldwide = domain.Window("*", NOW - dt.timedelta(days=1), None, frozenset({"FR"}))
    everywhere = playable(windows=[worldwide])
    assert domain.check_available(everywhere, country="br", now=NOW) == "v"
    assert domain.check_available(everywhere, country="US", now=NOW) == "v"
    assert refused(domain.check_available, everywhere, country="fr", now=NOW) == "region-unavailable"
    not_yet = playable(windows=[domain.Window("*", NOW + dt.timedelta(days=1), None)])
    assert refused(domain.check_available, not_yet, country="US", now=NOW) == "region-unavailable"


def test_maturity_and_unlock() -> None:
    kids = domain.ViewerProfile("p", "u", "PG", pin_required=False)
    locked = domain.ViewerProfile("p", "u", "PG-13", pin_required=True)
    assert refused(domain.check_maturity, playable("R"), kids, unlocked=True) == "maturity-restricted"
    assert refused(domain.check_maturity, playable("R"), locked, unlocked=False) == "profile-unlock-required"
    domain.check_maturity(playable("R"), locked, unlocked=True)
    domain.check_maturity(playable("PG"), kids, unlocked=False)
    assert refused(domain.check_maturity, playable(None), kids, unlocked=False) == "maturity-restricted"
