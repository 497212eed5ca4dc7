"""Events the users service publishes."""

from __future__ import annotations

import datetime as dt

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
