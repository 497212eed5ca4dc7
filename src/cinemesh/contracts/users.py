"""Events the users service publishes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from cinemesh.contracts.events import EventContract

USERS_TOPIC = "users.user"


class UserRegisteredV1(EventContract):
    event_type = "users.user.registered.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    username: str
    country: str
    roles: list[str]
    registered_at: dt.datetime


class UserDeletedV1(EventContract):
    """Every service holding personal data about the user erases it on this event."""

    event_type = "users.user.deleted.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    deleted_at: dt.datetime


class ProfileChangedV1(EventContract):
    """A viewing profile was created, changed or deleted.

    `max_maturity_rating` is the effective limit for the profile: the lower of its kids limit
    and the account's parental-control limit when the profile is restricted; None means no
    limit. Catalog and delivery filter and refuse by it.
    """

    event_type = "users.profile.changed.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    profile_id: str
    change: str  # created, updated, deleted
    name: str
    is_kids: bool
    is_main: bool
    max_maturity_rating: str | None
    pin_required: bool  # parental controls: titles above the limit need the PIN to unlock
    changed_at: dt.datetime
    # The profile's `watch_history_included` preference (the seed's, default true): false keeps
    # its viewing out of recommendations. Added field: older payloads have none (true).
    watch_history_included: bool = True


class MyListChangedV1(EventContract):
    """A title was added to or removed from "my list" (only when the list actually changed).

    `profile_id` is the list's profile; None (a removal from every profile's list of the
    account) means all of them.
    """

    event_type = "users.my_list.changed.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    profile_id: str | None
    content_id: str
    change: Literal["added", "removed"]
    changed_at: dt.datetime


class SubscriptionChangedV1(EventContract):
    """The account's plan projection changed (admin now; billing later owns the source)."""

    event_type = "users.subscription.changed.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    tier: str  # basic, standard, premium, ultra
    status: str  # active, canceled, expired, pending, suspended
    changed_at: dt.datetime


class DeviceChangedV1(EventContract):
    event_type = "users.device.changed.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    device_id: str
    change: str  # registered, updated, removed
    device_type: str
    changed_at: dt.datetime


class SessionsEndedV1(EventContract):
    """Every session the account had is over (password change or reset, suspension): access
    tokens with a session generation below `session_generation` must be refused everywhere."""

    event_type = "users.sessions.ended.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    session_generation: int
    reason: str  # password_changed, password_reset, suspended
    ended_at: dt.datetime


class SessionRevokedV1(EventContract):
    """One session is over (logout, or its refresh token was presented twice): access tokens
    carrying its `sid` claim must be refused everywhere; the account's other sessions live on."""

    event_type = "users.session.revoked.v1"
    topic = USERS_TOPIC
    subject_field = "user_id"

    user_id: str
    session_id: str
    reason: str  # logout, refresh_token_reused
    ended_at: dt.datetime
