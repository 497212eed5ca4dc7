from __future__ import annotations

import pytest

from cinemesh.gateway.domain import DEFAULT_ROUTES, Route, RouteTable


def test_longest_prefix_wins_and_prefixes_match_whole_segments() -> None:
    table = RouteTable([Route("/api/v1/titles", "catalog"), Route("/api/v1/titles/imports", "legacy")])
    assert table.match("/api/v1/titles") is not None
    assert table.match("/api/v1/titles/42").upstream == "catalog"  # type: ignore[union-attr]
    assert table.match("/api/v1/titles/imports/7").upstream == "legacy"  # type: ignore[union-attr]
    assert table.match("/api/v1/titlesX") is None
    assert table.match("/other") is None


def test_default_routes_cover_every_service() -> None:
    assert RouteTable(DEFAULT_ROUTES).upstream_names == {
        "users",
        "catalog",
        "media",
        "delivery",
        "discovery",
        "history",
        "billing",
        "analytics",
    }


def test_strangler_split_is_sticky_per_caller_and_near_its_share() -> None:
    route = Route("/api/v1/search", "discovery", split_upstream="legacy-search", split_share=0.25)
    callers = [f"user-{i}" for i in range(4000)]
    first = [route.upstream_for(caller) for caller in callers]
    assert first == [route.upstream_for(caller) for caller in callers]
    share = first.count("legacy-search") / len(callers)
    assert 0.22 < share < 0.28
    assert Route("/a", "new", split_upstream="old", split_share=1.0).upstream_for("x") == "old"
    assert Route("/a", "new", split_upstream="old", split_share=0.0).upstream_for("x") == "new"


def test_invalid_routes_are_refused() -> None:
    with pytest.raises(ValueError, match="start with"):
        Route("api", "users")
    with pytest.raises(ValueError, match="split_share"):
        Route("/a", "users", split_upstream="b", split_share=1.5)
