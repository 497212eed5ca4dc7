"""The CloudEvents-style envelope every cross-service event travels in.

Contracts are versioned through `type` ("catalog.title.created.v1"): a breaking change to
`data` is a new type, published beside the old one until every consumer has moved, so a
consumer never has to guess which shape it received.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from cinemesh.platform.context import current_request_id
from cinemesh.platform.ids import new_id_str


class EnvelopeDecodeError(ValueError):
    """Bytes on the bus that are not a valid envelope (a "poison" record).

    Adapters catch it, log the record's position and skip it, so one bad record can never stop
    a consumer; see docs/events.md, "Poison records".
    """


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=new_id_str, min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=255, description='e.g. "cinemesh/catalog"')
    type: str = Field(min_length=1, max_length=255, description='e.g. "catalog.title.created.v1"')
    time: AwareDatetime = Field(default_factory=_utcnow)
    subject: str = Field(min_length=1, max_length=255, description="Aggregate id; the partition key.")
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any] = Field(default_factory=dict)
    # CloudEvents extension attribute: ties every effect of one user action together.
    requestid: str | None = None

    @field_validator("time")
    @classmethod
    def _as_utc(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC)

    @classmethod
    def new(cls, *, type: str, source: str, subject: str, data: dict[str, Any]) -> Envelope:
        """A fresh event: new uuid7 id, current UTC time, the request id of the current context."""
        return cls(type=type, source=source, subject=subject, data=data, requestid=current_request_id())

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, payload: bytes) -> Envelope:
        """Parses and validates; anything malformed raises `EnvelopeDecodeError`, never another type."""
        try:
            raw = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise EnvelopeDecodeError(f"not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise EnvelopeDecodeError(f"expected a JSON object, got {type(raw).__name__}")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise EnvelopeDecodeError(f"invalid envelope: {exc}") from exc
