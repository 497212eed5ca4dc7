"""Editor routes: create and edit titles, windows, videos, lifecycle (bulk import: import_api.py).

Admins edit every title; a content provider only its own (others' look like 404).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from cinemesh.catalog.domain.inputs import TitleInput, TitlePatch, VideoInput, WindowInput
from cinemesh.catalog.domain.titles import Action
from cinemesh.catalog.http.deps import Admin, Context, Editor
from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import Principal

router = APIRouter(prefix="/api/v1/titles", tags=["editing"])

Windows = Annotated[list[WindowInput], Body(max_length=500)]


@router.post("", status_code=201)
async def create_title(
    body: TitleInput, principal: Editor, context: Context, response: Response
) -> dict[str, Any]:
    document = await context.service.create_title(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/titles/{document['id']}"
    return document


@router.patch("/{title_id:uuid}")  # not /titles/import
async def update_title(
    title_id: uuid.UUID, body: TitlePatch, principal: Editor, context: Context
) -> dict[str, Any]:
    fields = body.model_dump(mode="json", exclude_unset=True)
    if not fields:
        raise Problem(422, "Send at least one field to change.", code="validation-error", field="body")
    if fields.get("title", "") is None:
        raise Problem(422, "A title cannot be null.", code="validation-error", field="title")
    return await context.service.update_title(principal=principal, title_id=str(title_id), fields=fields)


@router.put("/{title_id}/availability")
async def put_availability(
    title_id: uuid.UUID, body: Windows, principal: Editor, context: Context
) -> dict[str, Any]:
    """Replaces the title's windows: `[{country, starts_at, ends_at}]`, ends_at may be null."""
    return await context.service.set_availability(principal=principal, title_id=str(title_id), windows=body)


@router.put("/{title_id}/episodes/{episode_id}/availability")
async def put_episode_availability(
    title_id: uuid.UUID, episode_id: uuid.UUID, body: Windows, principal: Editor, context: Context
) -> dict[str, Any]:
    """An episode's own windows; an empty list makes it follow the title's again."""
    return await context.service.set_availability(
        principal=principal, title_id=str(title_id), windows=body, episode_id=str(episode_id)
    )


async def _attach(
    context: Context, principal: Principal, title_id: str, video_id: str, episode_id: str | None
) -> dict[str, Any]:
    return await context.service.attach_video(
        principal=principal, title_id=title_id, video_id=video_id, episode_id=episode_id
    )


@router.put("/{title_id}/video")
async def put_video(
    title_id: uuid.UUID, body: VideoInput, principal: Admin, context: Context
) -> dict[str, Any]:
    """Admins attach a ready video by hand until the media pipeline's event does it."""
    return await _attach(context, principal, str(title_id), body.video_id, None)


@router.put("/{title_id}/episodes/{episode_id}/video")
async def put_episode_video(
    title_id: uuid.UUID, episode_id: uuid.UUID, body: VideoInput, principal: Admin, context: Context
) -> dict[str, Any]:
    return await _attach(context, principal, str(title_id), body.video_id, str(episode_id))


def _lifecycle_route(action: Action) -> None:
    async def route(title_id: uuid.UUID, principal: Editor, context: Context) -> dict[str, Any]:
        return await context.service.transition(principal=principal, title_id=str(title_id), action=action)

    route.__doc__ = f"Lifecycle: {action.value} the title (409 problem when its status does not allow it)."
    router.add_api_route(
        f"/{{title_id}}/{action.value}", route, methods=["POST"], name=f"{action.value}_title"
    )


for _action in (Action.PUBLISH, Action.UNPUBLISH, Action.ARCHIVE):
    _lifecycle_route(_action)
