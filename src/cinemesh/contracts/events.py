"""Versioned event contracts: what each service promises to publish.

An event's `event_type` ends in its version (`.v1`); a breaking change is a new class with
`.v2`, published beside the old one until every consumer has moved. Topics are per aggregate and
keyed by the aggregate id (`subject`), so the events of one entity stay in order.

Each service's contracts live in their own module (`users.py`, `catalog.py`, `media.py`, ...);
defining a subclass registers it, and `parse_event` turns an envelope's data back into it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

CONTRACTS: dict[str, type[EventContract]] = {}


class EventContract(BaseModel):
    """Base of every event payload. Consumers ignore fields they do not know (forward compatible)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    subject_field: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is None:
            return  # an intermediate base class
        if event_type in CONTRACTS:
            raise TypeError(f"event type {event_type} is defined twice")
        CONTRACTS[event_type] = cls

    @property
    def subject(self) -> str:
        return str(getattr(self, self.subject_field))


def parse_event(event_type: str, data: dict[str, Any]) -> EventContract:
    """The typed payload of an event; KeyError for a type this build does not know."""
    _load_all()
    return CONTRACTS[event_type].model_validate(data)


def _load_all() -> None:
    # Importing the modules registers their contracts.
    from cinemesh.contracts import billing, catalog, delivery, history, media, users  # noqa: F401
