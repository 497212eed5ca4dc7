"""What the account emits: its erasure, which every other service follows with its own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.publishing import record_event
from cinemesh.contracts.users import UserDeletedV1
from cinemesh.users.identity.publishing import SOURCE


async def publish_deleted(session: AsyncSession, *, user_id: str, at: dt.datetime) -> None:
    """Recorded in the transaction that erases the account (published after it commits)."""
    await record_event(session, UserDeletedV1(user_id=user_id, deleted_at=at), source=SOURCE)
