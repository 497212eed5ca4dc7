"""Cursor encoding and the viewer's view of a document."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cinemesh.catalog.http.cursor import CursorCodec
from cinemesh.catalog.read.domain.documents import viewer_view
from cinemesh.platform.problems import Problem

codec = CursorCodec(b"test-key")


@given(st.sampled_from(["title", "newest"]), st.text(max_size=300), st.uuids().map(str))
def test_cursors_round_trip(sort: str, key: str, title_id: str) -> None:
    assert codec.decode(codec.encode(sort, (key, title_id)), sort=sort) == (key, title_id)


def test_a_cursor_from_another_key_or_sort_is_refused() -> None:
    cursor = CursorCodec(b"another-key").encode("title", ("a", "b"))
    with pytest.raises(Problem) as raised:
        codec.decode(cursor, sort="title")
    assert raised.value.status == 400 and raised.value.extensions["field"] == "cursor"
    with pytest.raises(Problem):
        codec.decode(codec.encode("title", ("a", "b")), sort="newest")


@given(st.text(max_size=80))
def test_garbage_is_a_400_never_a_crash(garbage: str) -> None:
    try:
        codec.decode(garbage, sort="title")
    except Problem as problem:
        assert problem.status == 400
    else:  # pragma: no cover - a forged signature would have to be guessed
        pytest.fail("garbage accepted as a cursor")


def test_viewers_see_no_editor_fields_and_only_episodes_open_for_them() -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    document = {
        "id": "t",
        "title": "Show",
        "external_id": "x",
        "created_by": "u",
        "version": 3,
        "availability": [{"country": "US", "starts_at": "2026-01-01T00:00:00+00:00", "ends_at": None}],
        "seasons": [
            {
                "number": 1,
                "episodes": [
                    {"id": "e1", "availability": []},
                    {
                        "id": "e2",
                        "availability": [
                            {"country": "US", "starts_at": "2027-01-01T00:00:00+00:00", "ends_at": None}
                        ],
                    },
                    {
                        "id": "e3",
                        "availability": [
                            {"country": "FR", "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": None}
                        ],
                    },
                ],
            }
        ],
    }
    us = viewer_view(document, country="US", at=now)
    assert set(us) == {"id", "title", "seasons"}
    assert [e["id"] for e in us["seasons"][0]["episodes"]] == ["e1"]
    fr = viewer_view(document, country="FR", at=now)
    assert [e["id"] for e in fr["seasons"][0]["episodes"]] == ["e3"]
