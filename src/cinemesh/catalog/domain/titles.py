"""Titles and their rules: content types, the lifecycle, availability windows. No I/O here."""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cinemesh.platform.errors import ConflictError


class ContentType(enum.StrEnum):
    # The seed's my_list content types.
    MOVIE = "movie"
    TV_SERIES = "tv_series"
    DOCUMENTARY = "documentary"
    SPECIAL = "special"


class TitleStatus(enum.StrEnum):
    DRAFT = "draft"
    PROCESSING = "processing"
    READY = "ready"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    ARCHIVED = "archived"
    EXPIRED = "expired"


class Action(enum.StrEnum):
    """What moves a title through its lifecycle (an admin, the media pipeline, or the expiry job)."""

    UPLOAD_STARTED = "upload_started"
    VIDEO_READY = "video_ready"
    VIDEO_FAILED = "video_failed"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    ARCHIVE = "archive"
    EXPIRE = "expire"


S = TitleStatus
# The whole state machine: (from, action) -> to. Anything else is an illegal transition.
TRANSITIONS: dict[tuple[TitleStatus, Action], TitleStatus] = {
    (S.DRAFT, Action.UPLOAD_STARTED): S.PROCESSING,
    (S.DRAFT, Action.VIDEO_READY): S.READY,
    (S.PROCESSING, Action.VIDEO_READY): S.READY,
    (S.PROCESSING, Action.VIDEO_FAILED): S.DRAFT,
    (S.READY, Action.PUBLISH): S.PUBLISHED,
    (S.PUBLISHED, Action.UNPUBLISH): S.UNPUBLISHED,
    (S.PUBLISHED, Action.EXPIRE): S.EXPIRED,
    (S.UNPUBLISHED, Action.PUBLISH): S.PUBLISHED,
    # An expired title comes back once an editor opens a new window and publishes it again.
    (S.EXPIRED, Action.PUBLISH): S.PUBLISHED,
    **{(status, Action.ARCHIVE): S.ARCHIVED for status in S if status != S.ARCHIVED},
}


class IllegalTransitionError(ConflictError):
    code = "illegal-transition"

    def __init__(self, status: TitleStatus, action: Action) -> None:
        super().__init__(
            f"A {status.value} title cannot be {_PAST[action]}.", status_now=status.value, action=action.value
        )
        self.status = status
        self.action = action


_PAST = {
    Action.UPLOAD_STARTED: "given an upload",
    Action.VIDEO_READY: "given a video",
    Action.VIDEO_FAILED: "failed back to draft",
    Action.PUBLISH: "published",
    Action.UNPUBLISH: "unpublished",
    Action.ARCHIVE: "archived",
    Action.EXPIRE: "expired",
}


def next_status(status: TitleStatus, action: Action) -> TitleStatus:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransitionError(status, action) from None


def may(status: TitleStatus, action: Action) -> bool:
    return (status, action) in TRANSITIONS


# -- availability ----------------------------------------------------------------------------------

_COUNTRY = re.compile(r"^[A-Z]{2}$")
WORLDWIDE = "*"  # a window's country for "everywhere", less its `except_countries`
_ALL_COUNTRIES = 249  # ISO 3166-1 alpha-2 assigned codes; excepting them all leaves no one


def is_country_code(value: str) -> bool:
    """ISO 3166-1 alpha-2 shape (two upper-case letters); the caller normalises the case."""
    return bool(_COUNTRY.match(value))


@dataclass(frozen=True)
class Window:
    """Where and when a title (or one episode) may be shown; `ends_at` None means open-ended.
    `country` is a code or `WORLDWIDE`; a worldwide window excludes `except_countries`."""

    country: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    except_countries: frozenset[str] = frozenset()

    def covers(self, country: str) -> bool:
        if self.country == WORLDWIDE:
            return country not in self.except_countries
        return self.country == country

    def is_open(self, country: str | None, at: dt.datetime) -> bool:
        return (
            country is not None
            and self.covers(country)
            and self.starts_at <= at
            and (self.ends_at is None or at < self.ends_at)
        )

    def may_open(self, at: dt.datetime) -> bool:
        """Open now or later somewhere: a title with such a window has an audience."""
        everyone_excepted = self.country == WORLDWIDE and len(self.except_countries) >= _ALL_COUNTRIES
        return not everyone_excepted and (self.ends_at is None or at < self.ends_at)

    def has_closed(self, at: dt.datetime) -> bool:
        return self.ends_at is not None and self.ends_at <= at


class InvalidWindowError(ValueError):
    def __init__(self, index: int, field: str, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.field = field
        self.reason = reason


def check_windows(windows: Iterable[Window]) -> list[Window]:
    """Validated, sorted windows: real country codes, ends after starts, no overlap per country."""
    checked = list(windows)
    for index, window in enumerate(checked):
        if window.country != WORLDWIDE and not is_country_code(window.country):
            raise InvalidWindowError(
                index, "country", f'{window.country!r} is not an ISO 3166-1 alpha-2 code or "*" (worldwide)'
            )
        if window.except_countries and window.country != WORLDWIDE:
            raise InvalidWindowError(
                index, "except_countries", 'only a worldwide ("*") window excepts countries'
            )
        for code in sorted(window.except_countries):
            if not is_country_code(code):
                raise InvalidWindowError(
                    index, "except_countries", f"{code!r} is not an ISO 3166-1 alpha-2 code"
                )
        if window.starts_at.tzinfo is None or (window.ends_at is not None and window.ends_at.tzinfo is None):
            raise InvalidWindowError(index, "starts_at", "times need a time zone (e.g. 2026-01-01T00:00:00Z)")
        if window.ends_at is not None and window.ends_at <= window.starts_at:
            raise InvalidWindowError(index, "ends_at", "ends_at must be after starts_at")
    ordered = sorted(checked, key=lambda w: (w.country, w.starts_at))
    for before, after in itertools.pairwise(ordered):
        if before.country == after.country and (before.ends_at is None or before.ends_at > after.starts_at):
            raise InvalidWindowError(
                checked.index(after), "starts_at", f"overlaps another window in {after.country}"
            )
    return ordered


def available(windows: Iterable[Window], country: str | None, at: dt.datetime) -> bool:
    return any(window.is_open(country, at) for window in windows)


def has_audience(windows: Iterable[Window], at: dt.datetime) -> bool:
    """Someone can watch, now or once a window opens: publishing without it reaches no one."""
    return any(window.may_open(at) for window in windows)


def all_windows_closed(windows: Iterable[Window], at: dt.datetime) -> bool:
    """True when the title had windows and the last one has closed: time to expire it."""
    listed = list(windows)
    return bool(listed) and all(window.has_closed(at) for window in listed)


# -- rich media ------------------------------------------------------------------------------------


class ImageKind(enum.StrEnum):
    POSTER = "poster"
    BACKDROP = "backdrop"
    THUMBNAIL = "thumbnail"


# Magic numbers: the bytes must be the image type they claim to be.
IMAGE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "image/avif": (b"\x00\x00\x00",),
}


def image_matches(content_type: str, data: bytes) -> bool:
    signatures = IMAGE_SIGNATURES.get(content_type)
    if signatures is None:
        return False
    if content_type == "image/webp":
        return data.startswith(b"RIFF") and data[8:12] == b"WEBP"
    if content_type == "image/avif":
        return data[4:12] in (b"ftypavif", b"ftypavis")
    return data.startswith(signatures)


def image_key(title_id: str, kind: ImageKind) -> str:
    return f"catalog/titles/{title_id}/images/{kind.value}"
