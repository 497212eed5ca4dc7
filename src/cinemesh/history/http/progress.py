"""Routes of a profile's history: continue watching, watched, one content's progress and the
viewer's actions on them. Each checks that the profile belongs to the caller (404 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from cinemesh.history.http.deps import Context, ProfileId
from cinemesh.history.http.schemas import PausedBody, ProgressItem, ProgressList, WatchedList
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/history", tags=["history"])
ContentId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/continue-watching", summary="Resume points, most recent first, one per series")
async def continue_watching(
    principal: CurrentPrincipal,
    context: Context,
    profile_id: ProfileId,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProgressList:
    entries = await context.service.continue_watching(
        user_id=principal.user_id, profile_id=profile_id, limit=limit
    )
    return ProgressList(items=[ProgressItem.of(entry) for entry in entries])


@router.delete(
    "/continue-watching/{content_id}", status_code=204, summary="Remove from the row, keep the point"
)
async def hide(
    principal: CurrentPrincipal, context: Context, profile_id: ProfileId, content_id: ContentId
) -> Response:
    await context.service.hide(user_id=principal.user_id, profile_id=profile_id, content_id=content_id)
    return Response(status_code=204)


@router.get("", summary="Watched contents, most recent first, paged")
async def watched(
    principal: CurrentPrincipal,
    context: Context,
    profile_id: ProfileId,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> WatchedList:
    page = await context.service.watched(
        user_id=principal.user_id, profile_id=profile_id, limit=limit, cursor=cursor
    )
    return WatchedList(items=[ProgressItem.of(entry) for entry in page.items], next_cursor=page.next_cursor)


@router.delete("", status_code=204, summary="Delete all of the profile's history")
async def delete_all(principal: CurrentPrincipal, context: Context, profile_id: ProfileId) -> Response:
    await context.service.delete(user_id=principal.user_id, profile_id=profile_id, content_id=None)
    return Response(status_code=204)


@router.get("/progress/{content_id}", summary="The profile's progress of one content")
async def progress(
    principal: CurrentPrincipal, context: Context, profile_id: ProfileId, content_id: ContentId
) -> ProgressItem:
    entry = await context.service.progress(
        user_id=principal.user_id, profile_id=profile_id, content_id=content_id
    )
    return ProgressItem.of(entry)


@router.delete("/progress/{content_id}", status_code=204, summary="Delete one content's history")
async def delete_one(
    principal: CurrentPrincipal, context: Context, profile_id: ProfileId, content_id: ContentId
) -> Response:
    await context.service.delete(user_id=principal.user_id, profile_id=profile_id, content_id=content_id)
    return Response(status_code=204)


@router.put("/progress/{content_id}/watched", summary="Mark watched (clears the resume point)")
async def mark_watched(
    principal: CurrentPrincipal, context: Context, profile_id: ProfileId, content_id: ContentId
) -> ProgressItem:
    entry = await context.service.mark(
        user_id=principal.user_id, profile_id=profile_id, content_id=content_id, watched=True
    )
    return ProgressItem.of(entry)


@router.delete("/progress/{content_id}/watched", summary="Mark unwatched")
async def mark_unwatched(
    principal: CurrentPrincipal, context: Context, profile_id: ProfileId, content_id: ContentId
) -> ProgressItem:
    entry = await context.service.mark(
        user_id=principal.user_id, profile_id=profile_id, content_id=content_id, watched=False
    )
    return ProgressItem.of(entry)


@router.get("/paused", summary="Whether the profile's history is paused")
async def get_paused(principal: CurrentPrincipal, context: Context, profile_id: ProfileId) -> PausedBody:
    profile = await context.service.authorize(user_id=principal.user_id, profile_id=profile_id)
    return PausedBody(paused=profile.paused)


@router.put("/paused", status_code=204, summary="Pause or resume recording the profile's history")
async def set_paused(
    principal: CurrentPrincipal, context: Context, profile_id: ProfileId, body: PausedBody
) -> Response:
    await context.service.set_paused(user_id=principal.user_id, profile_id=profile_id, paused=body.paused)
    return Response(status_code=204)
