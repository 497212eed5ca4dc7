"""Profiles, devices, my list and parental controls: the household under one account. No I/O."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cinemesh.contracts.ratings import KIDS_DEFAULT_LIMIT, MINIMUM_AGE, MaturityRating

# The seed schema's maxItems.
MAX_PROFILES = 5
MAX_DEVICES = 10
MAX_LIST_ITEMS = 500
PROFILE_NAME_MAX_LENGTH = 15


class DeviceType(enum.StrEnum):
    SMARTPHONE = "smartphone"
    TABLET = "tablet"
    DESKTOP = "desktop"
    LAPTOP = "laptop"
    SMART_TV = "smart_tv"
    STREAMING_BOX = "streaming_box"
    GAME_CONSOLE = "game_console"


class ContentType(enum.StrEnum):
    MOVIE = "movie"
    TV_SERIES = "tv_series"
    DOCUMENTARY = "documentary"
    SPECIAL = "special"


@dataclass
class Profile:
    profile_id: str
    name: str
    is_kids: bool
    is_main: bool
    # The limit chosen for this profile itself (None: none chosen); see `effective_limit`.
    max_maturity_rating: MaturityRating | None = None
    preferences: dict[str, Any] = field(default_factory=dict)
    avatar: dict[str, Any] | None = None
    last_accessed: dt.datetime | None = None


@dataclass
class ParentalControls:
    enabled: bool = False
    max_maturity_rating: MaturityRating | None = None
    has_pin: bool = False
    restricted_profiles: list[str] = field(default_factory=list)

    def restricts(self, profile_id: str) -> bool:
        return self.enabled and profile_id in self.restricted_profiles


def stricter(a: MaturityRating | None, b: MaturityRating | None) -> MaturityRating | None:
    """The lower of two limits; None is "no limit", so the other one wins."""
    if a is None or b is None:
        return a if b is None else b
    return a if MINIMUM_AGE[a] <= MINIMUM_AGE[b] else b


def effective_limit(profile: Profile, controls: ParentalControls) -> MaturityRating | None:
    """What the profile may watch: a kids profile never above the kids default (lower if its
    parents chose so); a restricted profile never above the parental-control limit."""
    own = profile.max_maturity_rating
    if profile.is_kids:
        own = stricter(own, KIDS_DEFAULT_LIMIT)
    if controls.restricts(profile.profile_id):
        return stricter(own, controls.max_maturity_rating)
    return own


def pin_required(profile: Profile, controls: ParentalControls) -> bool:
    return controls.restricts(profile.profile_id) and controls.has_pin


def main_profile_name(username: str) -> str:
    return username[:PROFILE_NAME_MAX_LENGTH]


@dataclass
class Device:
    device_id: str
    device_type: DeviceType
    first_registered: dt.datetime
    device_name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    os: str | None = None
    app_version: str | None = None
    last_active: dt.datetime | None = None
    notifications_enabled: bool = True
    offline_downloads_enabled: bool = False
    active_profile: str | None = None


def least_recently_used(devices: Sequence[Device]) -> Device | None:
    """The device to offer for replacement when the account is full: the one used longest ago."""
    return min(devices, key=lambda d: (d.last_active or d.first_registered, d.first_registered), default=None)


def distinct_name(name: str | None, taken: Iterable[str | None]) -> str | None:
    """`name`, numbered when another device of the account already has it ("Chrome on Linux (2)"),
    so a list of devices tells them apart."""
    if name is None:
        return None
    used = {other for other in taken if other is not None}
    if name not in used:
        return name
    number = 2
    while (candidate := f"{name[:90]} ({number})") in used:
        number += 1
    return candidate


@dataclass
class ListItem:
    content_id: str
    content_type: ContentType
    profile_id: str
    added_date: dt.datetime
