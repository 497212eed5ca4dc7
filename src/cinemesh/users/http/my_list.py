"""HTTP routes of the caller's list ("my list"), per profile."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from cinemesh.users.account.document import list_item_document
from cinemesh.users.http.deps import ActiveUser, ContentId, Context, ProfileFilter
from cinemesh.users.http.schemas import ListItemCreate

router = APIRouter(prefix="/api/v1/me", tags=["account"])


@router.get("/list")
async def my_list(user: ActiveUser, context: Context, profile_id: ProfileFilter = None) -> dict[str, Any]:
    items = await context.library.my_list(user_id=user.user_id, profile_id=profile_id)
    return {"items": [list_item_document(item) for item in items]}


@router.post("/list", status_code=201, responses={200: {"description": "Already in the list."}})
async def save_to_list(
    body: ListItemCreate, user: ActiveUser, context: Context, response: Response
) -> dict[str, Any]:
    saved = await context.library.save(
        user_id=user.user_id,
        content_id=body.content_id,
        content_type=body.content_type,
        profile_id=body.profile_id,
    )
    if not saved.created:
        response.status_code = 200
    return list_item_document(saved.item)


@router.delete("/list/{content_id}", status_code=204)
async def remove_from_list(
    content_id: ContentId, user: ActiveUser, context: Context, profile_id: ProfileFilter = None
) -> None:
    await context.library.unsave(user_id=user.user_id, content_id=content_id, profile_id=profile_id)
