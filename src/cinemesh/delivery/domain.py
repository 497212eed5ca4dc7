"""Rules of the delivery service: who may play what, at which quality, how many at once. No I/O.

Every refusal is a domain error whose `code` names the rule, so a player can tell "upgrade your
plan" from "this title is not available in your country" (`http/problems.py` gives the statuses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cinemesh.contracts.catalog import TRAILER_CONTENT_TYPE
from cinemesh.contracts.media import TRAILER
from cinemesh.contracts.ratings import allowed
from cinemesh.platform.errors import ConflictError, ForbiddenError, NotFoundError, RuleViolation

# -- refusals (codes are the problem types clients see) ---------------------------------------


class SubscriptionInactive(ForbiddenError):
    code = "subscription-inactive"


class TitleNotPublished(ForbiddenError):
    code = "title-not-published"


class RegionUnknown(ForbiddenError):
    code = "region-unknown"


class RegionUnavailable(ForbiddenError):
    code = "region-unavailable"


class ProfileUnlockRequired(ForbiddenError):
    code = "profile-unlock-required"


class MaturityRestricted(ForbiddenError):
    code = "maturity-restricted"


class PlanQualityLimit(ForbiddenError):
    code = "plan-quality-limit"


class PlanStreamLimit(ConflictError):
    code = "plan-stream-limit"


class InvalidUnlockToken(ForbiddenError):
    code = "invalid-unlock-token"


class DeviceNotRegistered(ForbiddenError):
    code = "device-not-registered"


class ProfileNotFound(NotFoundError):
    code = "profile-not-found"


class SessionNotFound(NotFoundError):
    code = "session-not-found"


class VideoNotReady(ConflictError):
    code = "video-not-ready"


class SessionEnded(ConflictError):
    code = "session-ended"


class SessionExpired(ConflictError):
    code = "session-expired"


class SessionNotLive(ForbiddenError):
    code = "session-not-live"


class KeySystemUnsupported(ConflictError):
    code = "key-system-unsupported"


class LicenseRequestInvalid(RuleViolation):
    code = "license-request-invalid"  # answered 400 (http/problems.py)


class ManifestMissing(NotFoundError):
    code = "manifest-missing"


class ObjectNotFound(NotFoundError):
    code = "object-not-found"


@dataclass(frozen=True)
class PlanLimits:
    max_height: int
    max_streams: int


# The tiers' quality and concurrent-stream limits when billing has said nothing of an account
# (billing's events carry each plan's entitlements, which then decide; equal to these today).
PLAN_LIMITS: dict[str, PlanLimits] = {
    "basic": PlanLimits(max_height=720, max_streams=1),
    "standard": PlanLimits(max_height=1080, max_streams=2),
    "premium": PlanLimits(max_height=2160, max_streams=4),
    "ultra": PlanLimits(max_height=2160, max_streams=6),
}
# The users service's default: an account with no SubscriptionChangedV1 yet is basic/active.
DEFAULT_TIER = "basic"
DEFAULT_STATUS = "active"


@dataclass(frozen=True)
class Subscription:
    tier: str = DEFAULT_TIER
    status: str = DEFAULT_STATUS
    # What billing's event says the plan allows (billing defines plans); None for an account that
    # has only the users service's legacy event or none: then the tier's row above.
    entitled: PlanLimits | None = None

    @property
    def limits(self) -> PlanLimits:
        return self.entitled or PLAN_LIMITS.get(self.tier, PLAN_LIMITS[DEFAULT_TIER])


WORLDWIDE = "*"  # the catalog's worldwide window


@dataclass(frozen=True)
class Window:
    country: str  # a code, or "*": everywhere but `except_countries`
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    except_countries: frozenset[str] = frozenset()

    def covers(self, country: str) -> bool:
        if self.country == WORLDWIDE:
            return country.upper() not in self.except_countries
        return self.country.upper() == country.upper()

    def contains(self, country: str, now: dt.datetime) -> bool:
        return self.covers(country) and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True)
class Playable:
    """A published title (or episode) as delivery projects it from catalog and media events."""

    content_id: str
    title_id: str
    video_id: str | None
    maturity_rating: str | None
    published: bool
    windows: Sequence[Window]
    content_type: str | None = None

    @property
    def is_trailer(self) -> bool:
        """Trailers are free to watch: no subscription needed, no stream of the plan taken."""
        return self.content_type == TRAILER_CONTENT_TYPE


@dataclass(frozen=True)
class ViewerProfile:
    profile_id: str
    user_id: str
    max_maturity_rating: str | None
    pin_required: bool


def check_subscription(subscription: Subscription) -> PlanLimits:
    if subscription.status != "active":
        raise SubscriptionInactive(
            f"The subscription is {subscription.status}; playback needs an active subscription."
        )
    return subscription.limits


def check_available(playable: Playable | None, *, country: str | None, now: dt.datetime) -> str:
    """The video id to play, or the rule that refuses it."""
    if playable is None or not playable.published or playable.video_id is None:
        raise TitleNotPublished("This title is not published.")
    if country is None:
        raise RegionUnknown("The account has no country, so availability cannot be decided.")
    if not any(window.contains(country, now) for window in playable.windows):
        raise RegionUnavailable(f"This title is not available in {country.upper()} now.")
    return playable.video_id


def check_trailer_video(playable: Playable, *, video_kind: str, video_title_id: str) -> None:
    """A content published as a trailer plays only a video media took as a trailer of that title:
    a trailer is free to watch, so listing another title's feature (or this one's) among the
    trailers must not make it free."""
    if video_kind != TRAILER or video_title_id != playable.title_id:
        raise TitleNotPublished("This title is not published.")


def check_maturity(playable: Playable, profile: ViewerProfile, *, unlocked: bool) -> None:
    """A title above the profile's limit plays only on a PIN-locked profile that was unlocked."""
    if allowed(playable.maturity_rating, profile.max_maturity_rating):
        return
    if profile.pin_required and unlocked:
        return
    rating = playable.maturity_rating or "unrated"
    if profile.pin_required:
        raise ProfileUnlockRequired(
            f"This title ({rating}) is above the profile's limit; unlock the profile with its PIN."
        )
    raise MaturityRestricted(
        f"This title ({rating}) is above the profile's limit ({profile.max_maturity_rating})."
    )


def check_quality(limits: PlanLimits, requested_height: int | None) -> int:
    """The highest rendition height the session may receive."""
    if requested_height is None:
        return limits.max_height
    if requested_height > limits.max_height:
        raise PlanQualityLimit(
            f"The plan allows up to {limits.max_height}p; {requested_height}p was asked for.",
            max_height=limits.max_height,
        )
    return requested_height


def check_stream_count(limits: PlanLimits, live_sessions: int) -> None:
    if live_sessions >= limits.max_streams:
        raise plan_full(limits)


def plan_full(limits: PlanLimits) -> PlanStreamLimit:
    return PlanStreamLimit(
        f"The plan allows {limits.max_streams} concurrent stream(s); end another playback first.",
        max_streams=limits.max_streams,
    )


def playable_heights(heights: Sequence[int], max_height: int) -> list[int]:
    """The rendition heights a session may receive; never empty while any rendition exists (a
    title whose lowest rung is above the plan still plays at that lowest rung)."""
    allowed_heights = sorted(h for h in heights if h <= max_height)
    if not allowed_heights and heights:
        allowed_heights = [min(heights)]
    return allowed_heights
