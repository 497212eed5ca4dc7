"""The admin's list of accounts: search by email or username, filter by status, newest first.

No screen listed users before (issue 19); the admin area searches here, opens an account
(`GET /api/v1/admin/users/{id}`) and suspends or reactivates it (`PUT .../{id}/status`).
Keyset paging on the primary key: ids are UUIDv7, so id order is creation order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cinemesh.platform.db import Database
from cinemesh.users.account.document import timestamp
from cinemesh.users.identity.store import UserRow, utc


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def summary(row: UserRow) -> dict[str, Any]:
    return {
        "user_id": row.id,
        "email": row.email,
        "username": row.username,
        "status": row.status,
        "roles": list(row.roles),
        "country": row.country,
        "email_verified": row.email_verified,
        "created_at": timestamp(utc(row.created_at)),
        "last_login_at": timestamp(utc(row.last_login_at)) if row.last_login_at else None,
    }


async def user_page(
    database: Database, *, text: str | None, status: str | None, before: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One page, newest first, after the id `before`; the next page's cursor (an id) or None."""
    query = select(UserRow)
    if text:
        pattern = _like(text)
        query = query.where(
            func.lower(UserRow.email).like(pattern, escape="\\")
            | func.lower(UserRow.username).like(pattern, escape="\\")
        )
    if status:
        query = query.where(UserRow.status == status)
    if before:
        query = query.where(UserRow.id < before)
    async with database.session() as session:
        rows = list((await session.scalars(query.order_by(UserRow.id.desc()).limit(limit + 1))).all())
    page = rows[:limit]
    return [summary(row) for row in page], page[-1].id if len(rows) > limit else None
