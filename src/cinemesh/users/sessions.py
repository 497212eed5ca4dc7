"""Ending every session of an account: one rule for password change, reset and suspension."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.publishing import record_event
from cinemesh.contracts.users import SessionsEndedV1
from cinemesh.users.profile_events import SOURCE
from cinemesh.users.store import UserRow, UserStore


async def end_sessions(session: AsyncSession, user: UserRow, *, reason: str, current: dt.datetime) -> None:
    """Revokes the refresh tokens and moves the session generation on, so this service refuses
    older access tokens at once; the event lets the gateway refuse them everywhere else."""
    user.session_generation += 1
    await UserStore(session).revoke_all_refresh_tokens(user.id, now=current)
    await record_event(
        session,
        SessionsEndedV1(
            user_id=user.id, session_generation=user.session_generation, reason=reason, ended_at=current
        ),
        source=SOURCE,
    )
