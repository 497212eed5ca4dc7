"""`GET /api/v1/history/next-up?profile_id=`: per series the profile plays, the episode to go on
with (its resume point, or the next episode once one is watched)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cinemesh.history.http.deps import Context, ProfileId
from cinemesh.history.http.schemas import NextUpItem, NextUpList
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/history", tags=["history"])


@router.get("/next-up", summary="Next up: per series, the episode to resume or start next")
async def next_up(
    principal: CurrentPrincipal,
    context: Context,
    profile_id: ProfileId,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NextUpList:
    offers = await context.series.next_up(user_id=principal.user_id, profile_id=profile_id, limit=limit)
    return NextUpList(items=[NextUpItem.of(offer) for offer in offers])
