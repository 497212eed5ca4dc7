"""What identity emits, recorded in the caller's transaction (the outbox publishes it after the
commit): an account registered, every session of an account ended, one session ended."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.publishing import record_event
from cinemesh.contracts.users import SessionRevokedV1, SessionsEndedV1, UserRegisteredV1

# The source of every event the users service emits.
SOURCE = "cinemesh/users"


async def publish_registered(
    session: AsyncSession, *, user_id: str, username: str, country: str, roles: list[str], at: dt.datetime
) -> None:
    event = UserRegisteredV1(
        user_id=user_id, username=username, country=country, roles=roles, registered_at=at
    )
    await record_event(session, event, source=SOURCE)


async def publish_sessions_ended(
    session: AsyncSession, *, user_id: str, session_generation: int, reason: str, at: dt.datetime
) -> None:
    event = SessionsEndedV1(
        user_id=user_id, session_generation=session_generation, reason=reason, ended_at=at
    )
    await record_event(session, event, source=SOURCE)


async def publish_session_revoked(
    session: AsyncSession, *, user_id: str, session_id: str, reason: str, at: dt.datetime
) -> None:
    event = SessionRevokedV1(user_id=user_id, session_id=session_id, reason=reason, ended_at=at)
    await record_event(session, event, source=SOURCE)
