"""Lifecycle, windows and image rules of the catalog domain."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cinemesh.catalog.domain.titles import (
    TRANSITIONS,
    Action,
    IllegalTransitionError,
    InvalidWindowError,
    TitleStatus,
    Window,
    all_windows_closed,
    available,
    check_windows,
    has_audience,
    image_matches,
    next_status,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_the_happy_path_through_the_lifecycle() -> None:
    status = TitleStatus.DRAFT
    for action, expected in [
        (Action.UPLOAD_STARTED, TitleStatus.PROCESSING),
        (Action.VIDEO_READY, TitleStatus.READY),
        (Action.PUBLISH, TitleStatus.PUBLISHED),
        (Action.UNPUBLISH, TitleStatus.UNPUBLISHED),
        (Action.PUBLISH, TitleStatus.PUBLISHED),
        (Action.EXPIRE, TitleStatus.EXPIRED),
        (Action.PUBLISH, TitleStatus.PUBLISHED),
        (Action.ARCHIVE, TitleStatus.ARCHIVED),
    ]:
        status = next_status(status, action)
        assert status == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (TitleStatus.DRAFT, Action.PUBLISH),
        (TitleStatus.PROCESSING, Action.PUBLISH),
        (TitleStatus.READY, Action.UNPUBLISH),
        (TitleStatus.READY, Action.EXPIRE),
        (TitleStatus.UNPUBLISHED, Action.EXPIRE),
        (TitleStatus.ARCHIVED, Action.ARCHIVE),
        (TitleStatus.ARCHIVED, Action.PUBLISH),
    ],
)
def test_illegal_transitions_raise_with_a_readable_reason(status: TitleStatus, action: Action) -> None:
    with pytest.raises(IllegalTransitionError) as raised:
        next_status(status, action)
    assert status.value in str(raised.value)


@given(st.sampled_from(list(TitleStatus)), st.sampled_from(list(Action)))
def test_archived_is_terminal_and_only_publish_reaches_published(status: TitleStatus, action: Action) -> None:
    target = TRANSITIONS.get((status, action))
    if status == TitleStatus.ARCHIVED:
        assert target is None
    if target == TitleStatus.PUBLISHED:
        assert action == Action.PUBLISH and status in (
            TitleStatus.READY,
            TitleStatus.UNPUBLISHED,
            TitleStatus.EXPIRED,
        )


def test_a_window_is_open_from_its_start_until_just_before_its_end() -> None:
    window = Window("US", T0, T0 + DAY)
    assert not window.is_open("US", T0 - dt.timedelta(seconds=1))
    assert window.is_open("US", T0)
    assert not window.is_open("US", T0 + DAY)
    assert not window.is_open("FR", T0)
    assert not window.is_open(None, T0)
    assert Window("US", T0).is_open("US", T0 + 1000 * DAY)


def test_windows_are_checked_and_sorted() -> None:
    ordered = check_windows([Window("US", T0 + DAY), Window("FR", T0), Window("US", T0, T0 + DAY)])
    assert [(w.country, w.starts_at) for w in ordered] == [("FR", T0), ("US", T0), ("US", T0 + DAY)]
    for bad, field in [
        ([Window("USA", T0)], "country"),
        ([Window("US", T0, T0)], "ends_at"),
        ([Window("US", T0), Window("US", T0 + DAY)], "starts_at"),
        ([Window("US", T0.replace(tzinfo=None))], "starts_at"),
    ]:
        with pytest.raises(InvalidWindowError) as raised:
            check_windows(bad)
        assert raised.value.field == field


def test_a_worldwide_window_is_open_everywhere_but_its_exceptions() -> None:
    worldwide = Window("*", T0, None, frozenset({"FR", "DE"}))
    assert worldwide.is_open("BR", T0) and worldwide.is_open("US", T0 + DAY)
    assert not worldwide.is_open("FR", T0) and not worldwide.is_open("DE", T0)
    assert not worldwide.is_open("BR", T0 - DAY) and not worldwide.is_open(None, T0)
    # A country's own window opens it even where the worldwide one excepts it.
    assert available([worldwide, Window("FR", T0)], "FR", T0)
    assert check_windows([worldwide, Window("US", T0)])[0].country == "*"


def test_only_a_worldwide_window_excepts_countries_and_they_must_be_codes() -> None:
    with pytest.raises(InvalidWindowError) as on_a_country:
        check_windows([Window("US", T0, None, frozenset({"FR"}))])
    assert on_a_country.value.field == "except_countries"
    with pytest.raises(InvalidWindowError) as bad_code:
        check_windows([Window("*", T0, None, frozenset({"France"}))])
    assert bad_code.value.field == "except_countries"
    with pytest.raises(InvalidWindowError) as overlap:
        check_windows([Window("*", T0), Window("*", T0 + DAY)])
    assert overlap.value.field == "starts_at"


def test_a_title_has_an_audience_only_with_a_window_open_now_or_later() -> None:
    assert not has_audience([], T0)
    assert not has_audience([Window("US", T0 - 2 * DAY, T0 - DAY)], T0)
    assert has_audience([Window("US", T0 + DAY)], T0)  # a scheduled release
    assert has_audience([Window("US", T0 - 2 * DAY, T0 - DAY), Window("*", T0)], T0)


def test_expiry_needs_windows_and_every_one_closed() -> None:
    assert not all_windows_closed([], T0)
    assert not all_windows_closed([Window("US", T0)], T0 + DAY)
    assert not all_windows_closed([Window("US", T0, T0 + DAY), Window("FR", T0, T0 + 2 * DAY)], T0 + DAY)
    assert all_windows_closed([Window("US", T0, T0 + DAY), Window("FR", T0, T0 + 2 * DAY)], T0 + 2 * DAY)
    assert available([Window("US", T0, T0 + DAY), Window("FR", T0)], "FR", T0 + 5 * DAY)


@pytest.mark.parametrize(
    ("content_type", "data", "matches"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\nrest", True),
        ("image/jpeg", b"\xff\xd8\xff\xe0rest", True),
        ("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        ("image/webp", b"RIFF\x00\x00\x00\x00WAVEfmt ", False),
        ("image/avif", b"\x00\x00\x00\x1cftypavif", True),
        ("image/png", b"\xff\xd8\xff", False),
        ("image/gif", b"GIF89a", False),
    ],
)
def test_image_bytes_must_match_their_type(content_type: str, data: bytes, matches: bool) -> None:
    assert image_matches(content_type, data) is matches
