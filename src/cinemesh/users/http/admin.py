"""Operator routes: the accounts list, an account, its status and key rotation. A subscription is
billing's: an admin changes one through billing's routes (/api/v1/admin/billing/...)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from cinemesh.platform.problems import Problem
from cinemesh.users.http.deps import ActiveAdmin, Context
from cinemesh.users.http.schemas import StatusBody
from cinemesh.users.identity.domain import AccountStatus

router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"])
UserId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


@router.get("")
async def list_users(
    _: ActiveAdmin,
    context: Context,
    q: Annotated[
        str | None, Query(min_length=1, max_length=320, description="Part of an email or username.")
    ] = None,
    status: Annotated[str | None, Query(pattern=r"^(active|suspended|pending_verification)$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9a-f-]{36}$", description="next_cursor of the page before.")
    ] = None,
) -> dict[str, Any]:
    """Accounts, newest first: the admin area's Users page searches and pages through them."""
    items, next_cursor = await context.account.directory(text=q, status=status, before=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{user_id}")
async def get_user(user_id: UserId, _: ActiveAdmin, context: Context) -> dict[str, Any]:
    """Any account's document, whatever its status (support, moderation)."""
    document = await context.account.find_document(user_id=user_id)
    if document is None:
        raise Problem(404, "No such account.")
    return document


@router.put("/{user_id}/status")
async def set_status(user_id: UserId, body: StatusBody, _: ActiveAdmin, context: Context) -> dict[str, Any]:
    return await context.account.set_status(user_id=user_id, status=AccountStatus(body.status))


@router.post("/signing-keys/rotate", status_code=201)
async def rotate_signing_keys(_: ActiveAdmin, context: Context) -> dict[str, Any]:
    """A new key signs after its activation delay; the old ones stay published until their
    tokens expire. Nobody is logged out."""
    kid = await context.users.keys.rotate()
    return {"kid": kid, "jwks": context.users.keys.jwks()}
