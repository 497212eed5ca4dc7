"""Profiles, devices, my list and parental controls: the household under one account, its rules
and what they refuse. No I/O."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cinemesh.contracts.ratings import KIDS_DEFAULT_LIMIT, MINIMUM_AGE, MaturityRating
from cinemesh.platform.errors import ConflictError, FieldAtTop, ForbiddenError, NotFoundError, RuleViolation
from cinemesh.users.identity.domain import Lockout

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


@dataclass
class Household:
    """Everything under one account, as the account document shows it."""

    profiles: list[Profile] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    my_list: list[ListItem] = field(default_factory=list)
    controls: ParentalControls = field(default_factory=ParentalControls)


# -- what the household's rules refuse (mapped to HTTP statuses in users/http/problems.py) ------

# Where the web app lists the account's devices (an error names it so any client can link it).
DEVICES_PAGE = "/account/devices"


class ProfileNotFound(NotFoundError):
    # Another account's id reads exactly like an id that does not exist: no existence oracle.
    code = "profile-not-found"

    def __init__(self) -> None:
        super().__init__("No such profile on this account.")


class DeviceNotFound(NotFoundError):
    code = "device-not-found"

    def __init__(self) -> None:
        super().__init__("No such device on this account.")


class ListItemNotFound(NotFoundError):
    code = "list-item-not-found"

    def __init__(self) -> None:
        super().__init__("No such list item on this account.")


class FieldRefused(RuleViolation):
    """A value the rules refuse, named like a request-validation error (`errors[].field`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Invalid value for: {field}. {message}", field=field)


class ProfilesLimit(FieldRefused):
    code = "profiles-limit"

    def __init__(self) -> None:
        super().__init__("profiles", f"An account holds at most {MAX_PROFILES} profiles.")


class MyListLimit(FieldRefused):
    code = "my-list-limit"

    def __init__(self) -> None:
        super().__init__("my_list", f"An account holds at most {MAX_LIST_ITEMS} items on its list.")


class UnknownProfile(FieldRefused):
    code = "unknown-profile"


class UnknownDevice(FieldRefused):
    code = "unknown-device"


class PinRequired(FieldRefused):
    code = "pin-required"


class DeviceLimitReached(RuleViolation):
    """A full device list says what to do: replace the least recently used device (the error
    names it, for a one-click replace) or remove one on the Devices page."""

    code = "device-limit-reached"

    def __init__(self, oldest: Device) -> None:
        name = oldest.device_name or oldest.device_type.value
        super().__init__(
            f"This account already has {MAX_DEVICES} devices, the most it can have. Replace the least "
            f"recently used one ({name}) or remove a device on the Devices page.",
            field="devices",
            least_recently_used={
                "device_id": oldest.device_id,
                "device_name": oldest.device_name,
                "last_active": (oldest.last_active or oldest.first_registered).isoformat(),
            },
            devices_page=DEVICES_PAGE,
        )


class MainProfileKept(ConflictError):
    code = "main-profile"

    def __init__(self) -> None:
        super().__init__("The main profile cannot be deleted.")


class PinNotSet(ConflictError):
    code = "pin-not-set"

    def __init__(self) -> None:
        super().__init__("No parental-control PIN is set on this account.")


class PinIncorrect(FieldAtTop, ForbiddenError):
    code = "pin-incorrect"


class PinLocked(Lockout):
    code = "pin-locked"
    what = "pin"
