"""Ending sessions: every session of an account (password change, reset, suspension), or one
(logout, a reused refresh token)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.users.identity.publishing import publish_session_revoked, publish_sessions_ended
from cinemesh.users.identity.store import RefreshTokenRow, UserRow, UserStore


async def end_sessions(session: AsyncSession, user: UserRow, *, reason: str, current: dt.datetime) -> None:
    """Revokes the refresh tokens and moves the session generation on, so this service refuses
    older access tokens at once; the event lets the gateway refuse them everywhere else."""
    user.session_generation += 1
    await UserStore(session).revoke_all_refresh_tokens(user.id, now=current)
    await publish_sessions_ended(
        session, user_id=user.id, session_generation=user.session_generation, reason=reason, at=current
    )


async def revoke_session(
    session: AsyncSession, token: RefreshTokenRow, *, reason: str, current: dt.datetime
) -> None:
    """Ends the session `token` belongs to: its refresh tokens, its access tokens here (they
    carry its id as `sid`, refused once the family is revoked) and, through the event, at the
    gateway. The account's other sessions live on."""
    await UserStore(session).revoke_family(token.family_id, now=current)
    await publish_session_revoked(
        session, user_id=token.user_id, session_id=token.family_id, reason=reason, at=current
    )
