"""The statements of a playback-session start, built once with bound parameters (building a
statement and its cache key per call cost more than the database running it).

A start reads everything it decides on in one SELECT, then inserts the session only while the
account's live sessions stay under the plan's limit, in one conditional INSERT. The limit is
exact because that INSERT runs where no other start of the account can run at the same time:
on SQLite inside the database's single write lock (taken by the INSERT itself); on PostgreSQL
after the account's row is locked (`lock_account`: an upsert), so the INSERT's snapshot, taken
after the lock, sees every session committed by a start that held it before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.delivery.domain import (
    DEFAULT_STATUS,
    DEFAULT_TIER,
    PlanLimits,
    Playable,
    Subscription,
    ViewerProfile,
)
from cinemesh.delivery.store.tables import (
    AccountRow,
    Base,
    DeviceRow,
    PlayableRow,
    ProfileRow,
    SessionRow,
    VideoRow,
)
from cinemesh.platform.db import rows_affected


def _table(row: type[Base]) -> Table:
    return Base.metadata.tables[row.__tablename__]


_ACCOUNTS, _PROFILES, _DEVICES, _PLAYABLES, _VIDEOS, _SESSIONS = (
    _table(row) for row in (AccountRow, ProfileRow, DeviceRow, PlayableRow, VideoRow, SessionRow)
)


def _lock_account(insert: Callable[[Table], Any]) -> Any:
    statement = insert(_ACCOUNTS).values(
        user_id=bindparam("user_id"), tier=DEFAULT_TIER, status=DEFAULT_STATUS, changed_at=None
    )
    return statement.on_conflict_do_update(
        index_elements=["user_id"], set_={"tier": _ACCOUNTS.c.tier}
    ).returning(_ACCOUNTS.c.tier, _ACCOUNTS.c.status, _ACCOUNTS.c.max_height, _ACCOUNTS.c.max_streams)


# Insert-if-absent or touch the account's row, returning its plan: keyed by "is PostgreSQL".
LOCK_ACCOUNT = {True: _lock_account(pg_insert), False: _lock_account(sqlite_insert)}
# The account's live sessions that take one of the plan's streams (a trailer's does not).
LIVE_COUNT = (
    select(func.count())
    .select_from(_SESSIONS)
    .where(
        _SESSIONS.c.user_id == bindparam("user_id"),
        _SESSIONS.c.counts_toward_limit.is_(True),
        _SESSIONS.c.ended_at.is_(None),
        _SESSIONS.c.last_heartbeat_at
        > bindparam("heartbeat_after", type_=_SESSIONS.c.last_heartbeat_at.type),
        _SESSIONS.c.expires_at > bindparam("now", type_=_SESSIONS.c.expires_at.type),
    )
)
_WANTED = select(bindparam("content_id", type_=String()).label("content_id")).subquery("wanted")
# Plain table columns, not ORM entities: the row is read as values (no identity map, no loading).
_FACTS = select(
    _ACCOUNTS.c.tier,
    _ACCOUNTS.c.status,
    _ACCOUNTS.c.max_height,
    _ACCOUNTS.c.max_streams,
    _PROFILES.c.user_id.label("profile_user_id"),
    _PROFILES.c.max_maturity_rating,
    _PROFILES.c.pin_required,
    _DEVICES.c.user_id.label("device_owner"),
    *(column.label(f"playable_{column.key}") for column in _PLAYABLES.c),
    *(column.label(f"video_{column.key}") for column in _VIDEOS.c),
    LIVE_COUNT.scalar_subquery().label("live_sessions"),
).select_from(
    _WANTED.outerjoin(_PLAYABLES, _PLAYABLES.c.content_id == _WANTED.c.content_id)
    .outerjoin(_VIDEOS, _VIDEOS.c.video_id == _PLAYABLES.c.video_id)
    .outerjoin(_PROFILES, _PROFILES.c.profile_id == bindparam("profile_id"))
    .outerjoin(_DEVICES, _DEVICES.c.device_id == bindparam("device_id"))
    .outerjoin(_ACCOUNTS, _ACCOUNTS.c.user_id == bindparam("user_id"))
)
_PLAYABLE_KEYS = tuple(column.key for column in _PLAYABLES.c)
_VIDEO_KEYS = tuple(column.key for column in _VIDEOS.c)
_SESSION_KEYS = tuple(column.key for column in _SESSIONS.c)
_INSERT = _SESSIONS.insert()
# The same INSERT, made only while the live sessions (LIVE_COUNT's parameters) stay under
# `max_streams`: the check and the write are one statement.
_INSERT_WITHIN_LIMIT = _SESSIONS.insert().from_select(
    list(_SESSION_KEYS),
    select(*(bindparam(column.key, type_=column.type) for column in _SESSIONS.c)).where(
        LIVE_COUNT.scalar_subquery() < bindparam("max_streams")
    ),
)


def subscription_of(row: Any) -> Subscription:
    """An account row's subscription, with billing's entitlements when it sent them."""
    entitled = None
    if row["max_height"] is not None and row["max_streams"] is not None:
        entitled = PlanLimits(max_height=row["max_height"], max_streams=row["max_streams"])
    return Subscription(tier=row["tier"], status=row["status"], entitled=entitled)


@dataclass(frozen=True)
class StartFacts:
    """What a start decides on, read before anything is locked (a live count read here is a
    first answer; `insert_session` enforces the limit)."""

    subscription: Subscription
    profile: ViewerProfile | None
    device_owner: str | None
    playable: Playable | None
    video: VideoRow | None
    live_sessions: int


async def start_facts(
    session: AsyncSession,
    *,
    user_id: str,
    profile_id: str,
    device_id: str,
    content_id: str,
    heartbeat_after: dt.datetime,
    now: dt.datetime,
) -> StartFacts:
    """Everything a session start decides on, in one round trip: the account's plan, the
    profile, the device's owner, the playable and its video, the live sessions."""
    values = {
        "content_id": content_id,
        "profile_id": profile_id,
        "device_id": device_id,
        "user_id": user_id,
        "heartbeat_after": heartbeat_after,
        "now": now,
    }
    row = (await session.execute(_FACTS, values)).one()._mapping
    playable = video = profile = None
    if row["playable_content_id"] is not None:
        playable = PlayableRow(**{key: row[f"playable_{key}"] for key in _PLAYABLE_KEYS}).to_domain()
    if row["video_video_id"] is not None:
        video = VideoRow(**{key: row[f"video_{key}"] for key in _VIDEO_KEYS})
    if row["profile_user_id"] is not None:
        profile = ViewerProfile(
            profile_id=profile_id,
            user_id=row["profile_user_id"],
            max_maturity_rating=row["max_maturity_rating"],
            pin_required=row["pin_required"],
        )
    # An account with no subscription event yet is basic/active (the users service's default).
    subscription = subscription_of(row) if row["tier"] else Subscription()
    return StartFacts(
        subscription=subscription,
        profile=profile,
        device_owner=row["device_owner"],
        playable=playable,
        video=video,
        live_sessions=int(row["live_sessions"] or 0),
    )


async def insert_session(
    session: AsyncSession, row: SessionRow, *, max_streams: int | None, heartbeat_after: dt.datetime
) -> bool:
    """Inserts the new session; with `max_streams`, only while the account's live sessions are
    fewer (False: the plan is full). A plain INSERT, no unit-of-work flush."""
    values: dict[str, Any] = {key: getattr(row, key) for key in _SESSION_KEYS}
    if max_streams is None:
        await session.execute(_INSERT, values)
        return True
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(LOCK_ACCOUNT[True], {"user_id": row.user_id})  # see the module's docstring
    values |= {"max_streams": max_streams, "heartbeat_after": heartbeat_after, "now": row.started_at}
    return rows_affected(await session.execute(_INSERT_WITHIN_LIMIT, values)) == 1
