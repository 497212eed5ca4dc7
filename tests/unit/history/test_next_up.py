"""Next up's rule and the episode order read from catalog's title document, as pure functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from cinemesh.history.domain import Progress
from cinemesh.history.series import NextKind, SeriesOrder, next_up, series_order

AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def document(*, status: str = "published", kind: str = "tv_series") -> dict[str, Any]:
    """Seasons and episodes listed out of order; e2x has no video (not playable)."""
    return {
        "id": "show",
        "title": "The Show",
        "type": kind,
        "status": status,
        "seasons": [
            {"number": 2, "episodes": [{"id": "e2x", "number": 2, "video_id": None, "name": "Later"},
                                       {"id": "e21", "number": 1, "video_id": "v", "name": "Two"}]},
            {"number": 1, "episodes": [{"id": "e12", "number": 2, "video_id": "v", "name": None},
                                       {"id": "e11", "number": 1, "video_id": "v", "name": "Pilot"}]},
        ],
    }  # fmt: skip


def order(**kwargs: Any) -> SeriesOrder:
    found = series_order("show", document(**kwargs), AT)
    assert found is not None
    return found


def state(
    content_id: str, *, minutes: int, position: float | None = None, completed: bool = False
) -> Progress:
    return Progress(
        user_id="u", profile_id="p", content_id=content_id, title_id="show", device_id=None,
        position_seconds=position, duration_seconds=1000.0, completed=completed,
        times_watched=int(completed), hidden=False, updated_at=AT + dt.timedelta(minutes=minutes),
        watched_at=None, session_id=None, sequence=0, reported_at=None, counted_session_id=None,
    )  # fmt: skip


def test_order_is_season_then_episode_and_only_playable_ones() -> None:
    found = order()
    assert [e.content_id for e in found.episodes] == ["e11", "e12", "e21"]
    assert (found.episodes[2].season_number, found.episodes[2].episode_number) == (2, 1)
    assert found.title == "The Show" and found.published
    assert series_order("movie", document(kind="movie"), AT) is None
    odd = series_order("s", {"type": "tv_series", "seasons": [{"episodes": [{"id": 3}, "x"]}, 7]}, AT)
    assert odd is not None and odd.episodes == ()


def test_resumes_the_latest_episode_then_offers_the_next() -> None:
    orders = {"show": order()}
    resuming = next_up([state("e11", minutes=1, position=300)], orders)
    assert [(o.content_id, o.kind) for o in resuming] == [("e11", NextKind.RESUME)]
    watched = next_up([state("e11", minutes=1, completed=True)], orders)
    assert [(o.content_id, o.kind) for o in watched] == [("e12", NextKind.START)]
    assert watched[0].episode is not None and watched[0].episode.episode_number == 2
    # Across a season, skipping an episode without a video.
    across = next_up([state("e12", minutes=2, completed=True)], orders)
    assert [o.content_id for o in across] == ["e21"]
    # The last episode watched: the series has nothing next.
    assert next_up([state("e21", minutes=3, completed=True)], orders) == []


def test_skips_watched_episodes_and_offers_a_started_next_at_its_point() -> None:
    orders = {"show": order()}
    entries = [
        state("e11", minutes=5, completed=True),
        state("e12", minutes=1, completed=True),
        state("e21", minutes=0, position=120),
    ]
    offered = next_up(entries, orders)
    assert [(o.content_id, o.kind) for o in offered] == [("e21", NextKind.RESUME)]
    assert offered[0].progress is not None and offered[0].progress.position_seconds == 120


def test_unknown_order_unpublished_hidden_and_movies() -> None:
    assert next_up([state("e11", minutes=1, completed=True)], {}) == []  # order not known yet
    assert [o.kind for o in next_up([state("e11", minutes=1, position=50)], {})] == [NextKind.RESUME]
    assert next_up([state("e11", minutes=1, position=50)], {"show": order(status="archived")}) == []
    hidden = replace(state("e11", minutes=1, position=50), hidden=True)
    assert next_up([hidden], {"show": order()}) == []
    movie = replace(state("m", minutes=1, position=50), title_id="m")
    assert next_up([movie], {}) == []
    barely = state("e12", minutes=1)  # under the resume minimum: start it again
    assert [(o.content_id, o.kind) for o in next_up([barely], {"show": order()})] == [("e12", NextKind.START)]
