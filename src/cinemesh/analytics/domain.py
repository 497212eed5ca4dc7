"""Entities, value objects and rules of the analytics service. No I/O here.

A player beacon is one quality-of-experience event of one playback session. Its keys follow
CTA-5004 (CMCD) where one fits: `sid` session id, `cid` content id, `br` encoded bitrate (kbps),
`bl` buffer length (ms), `mtp` measured throughput (kbps), `su` startup, `st` stream type
(`v` VOD, `l` live), `pt` playhead (ms, CMCD v2). The rest is spelled out: `id` (the player's own
id of the event: a resent event is stored once), `e` (what happened), `ts` (the player's clock,
epoch ms: durations are differences on one clock), `tid` (the title of an episode), `code` (an
error's code).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from cinemesh.platform.errors import ForbiddenError, NotFoundError, RuleViolation
from cinemesh.platform.storable_text import is_storable

KINDS: Final = frozenset(
    {"play_requested", "first_frame", "rebuffer_start", "rebuffer_end", "bitrate_switch", "error", "exit"}
)
STREAM_TYPES: Final = frozenset({"v", "l"})
MAX_ID = 64
MAX_TEXT = 128
MAX_INT = 2**31 - 1
# Player clocks a beacon may carry: from 2020 to a day past the server's now.
EARLIEST_MS = 1_577_836_800_000
FUTURE_SLACK_MS = 86_400_000


class BatchMalformedError(RuleViolation):
    """The batch itself cannot be read (not a JSON object with an `events` list, too many)."""

    code = "beacon-batch-malformed"


class BatchTooLargeError(RuleViolation):
    code = "beacon-batch-too-large"


class BeaconsRejectedError(RuleViolation):
    """Some events were malformed: they were dropped (and counted), the others kept."""

    code = "beacons-rejected"


class SessionNotYoursError(ForbiddenError):
    """A beacon names a playback session another account's beacons claimed first."""

    code = "beacon-session-not-yours"


class TitleFiguresNotFoundError(NotFoundError):
    """No figures of this title for this reader (a content provider sees its own titles only)."""

    code = "title-figures-not-found"


class TitleRequiredError(RuleViolation):
    code = "title-required"


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads figures: an admin reads all; a content provider only the titles it created."""

    user_id: str
    admin: bool


@dataclass(frozen=True, slots=True)
class Beacon:
    id: str
    sid: str
    kind: str
    ts: int
    cid: str | None = None
    tid: str | None = None
    br: int | None = None
    bl: int | None = None
    mtp: int | None = None
    su: bool | None = None
    st: str | None = None
    pt: int | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    field: str
    reason: str
    code: str = "beacon-malformed"


class _Bad(Exception):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def _text(event: dict[str, Any], key: str, *, limit: int, required: bool = False) -> str | None:
    value = event.get(key)
    if value is None:
        if required:
            raise _Bad(key, "is required")
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise _Bad(key, f"must be a string of 1 to {limit} characters")
    if not is_storable(value):
        raise _Bad(key, "must not contain U+0000 or an unpaired surrogate")
    return value


def _int(event: dict[str, Any], key: str, *, low: int = 0, high: int = MAX_INT) -> int | None:
    value = event.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _Bad(key, "must be a number")
    if not low <= value <= high:
        raise _Bad(key, f"must be between {low} and {high}")
    return int(value)


def _beacon(event: object, *, now_ms: int) -> Beacon:
    if not isinstance(event, dict):
        raise _Bad("", "must be an object")
    kind = _text(event, "e", limit=32, required=True)
    if kind not in KINDS:
        raise _Bad("e", f"must be one of {', '.join(sorted(KINDS))}")
    su, st = event.get("su"), _text(event, "st", limit=1)
    if su is not None and not isinstance(su, bool):
        raise _Bad("su", "must be true or false")
    if st is not None and st not in STREAM_TYPES:
        raise _Bad("st", "must be v or l")
    ts = _int(event, "ts", low=EARLIEST_MS, high=now_ms + FUTURE_SLACK_MS)
    if ts is None:
        raise _Bad("ts", "is required")
    return Beacon(
        id=_text(event, "id", limit=MAX_ID, required=True) or "",
        sid=_text(event, "sid", limit=MAX_ID, required=True) or "",
        kind=kind,
        ts=ts,
        cid=_text(event, "cid", limit=MAX_ID),
        tid=_text(event, "tid", limit=MAX_ID),
        br=_int(event, "br"),
        bl=_int(event, "bl"),
        mtp=_int(event, "mtp"),
        su=su,
        st=st,
        pt=_int(event, "pt"),
        code=_text(event, "code", limit=MAX_TEXT),
    )


def parse_beacons(
    batch: object, *, max_events: int, now: dt.datetime
) -> tuple[list[Beacon], list[Rejection]]:
    """The well-formed events of a batch and a rejection per malformed one; raises for a batch
    that cannot be read at all. A batch of one session may repeat an event id: it counts once."""
    if not isinstance(batch, dict) or not isinstance(batch.get("events"), list):
        raise BatchMalformedError("A beacon batch is a JSON object with an `events` list.", field="events")
    events: list[object] = batch["events"]
    if len(events) > max_events:
        raise BatchTooLargeError(f"A batch holds at most {max_events} events.", field="events")
    now_ms = int(now.timestamp() * 1000)
    accepted: dict[tuple[str, str], Beacon] = {}
    rejected: list[Rejection] = []
    for index, event in enumerate(events):
        try:
            beacon = _beacon(event, now_ms=now_ms)
        except _Bad as bad:
            name = f"events.{index}.{bad.key}" if bad.key else f"events.{index}"
            rejected.append(Rejection(index=index, field=name, reason=bad.reason))
            continue
        accepted.setdefault((beacon.sid, beacon.id), beacon)
    return list(accepted.values()), rejected


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who sent a batch, as the verified token says (never as the beacon claims)."""

    user_id: str
    country: str | None


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise RuleViolation("Times must carry a UTC offset.", field="from")
        if self.end <= self.start:
            raise RuleViolation("`to` must be after `from`.", field="to")


@dataclass(frozen=True, slots=True)
class Fact:
    """A server-side fact from a consumed event: its event id keeps redelivery from counting twice."""

    event_id: str
    type: str
    occurred_at: dt.datetime
    user_id: str | None = None
    session_id: str | None = None
    content_id: str | None = None
    title_id: str | None = None
    tier: str | None = None
    status: str | None = None
    detail: str | None = None  # a reason, a billing status, a country, a stage
    position: float | None = None
    duration: float | None = None
    version: int | None = None
    flag: bool | None = None  # trailer, watched, complete, permanent: the event's one boolean
    amount: int | None = None  # money in minor units: an invoice's, a credit note's, a plan's price
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class ReportFilter:
    period: Period
    title_id: str | None = None
    country: str | None = None
