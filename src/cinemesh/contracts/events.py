"""Versioned event contracts: what each service promises to publish.

An event's `type` ends in its version (`.v1`); a breaking change is a new class with `.v2`,
published beside the old one until every consumer has moved. Topics are per aggregate and keyed
by the aggregate id (`subject`), so the events of one entity stay in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class EventContract(BaseModel):
    """Base of every event payload. Consumers ignore fields they do not know (forward compatible)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    subject_field: ClassVar[str]

    @property
    def subject(self) -> str:
        return str(getattr(self, self.subject_field))


# -- users ---------------------------------------------------------------------------------------
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


# -- catalog -------------------------------------------------------------------------------------
CATALOG_TOPIC = "catalog.title"


class TitleCreatedV1(EventContract):
    event_type = "catalog.title.created.v1"
    topic = CATALOG_TOPIC
    subject_field = "title_id"

    title_id: str
    title: str
    content_type: str
    status: str
    created_by: str
    created_at: dt.datetime
    attributes: dict[str, Any] = {}


CONTRACTS: dict[str, type[EventContract]] = {
    contract.event_type: contract for contract in (UserRegisteredV1, UserDeletedV1, TitleCreatedV1)
}


def parse_event(event_type: str, data: dict[str, Any]) -> EventContract:
    """The typed payload of an event; KeyError for a type this build does not know."""
    return CONTRACTS[event_type].model_validate(data)
