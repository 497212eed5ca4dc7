"""Editor listing: titles in every lifecycle status, from the write model.

Under `/api/v1/admin/titles` rather than a `view=` switch on browse: browse is the viewers'
read model (published, windowed, rated); this is the editors' write model (any status,
read-your-writes) with other fields and other rules, so it is another resource.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cinemesh.catalog.domain.titles import TitleStatus
from cinemesh.catalog.http.deps import Context, Editor
from cinemesh.catalog.http.schemas import Page
from cinemesh.platform.problems import Problem

router = APIRouter(prefix="/api/v1/admin/titles", tags=["editing"])


@router.get("")
async def list_titles(
    principal: Editor,
    context: Context,
    status: TitleStatus | None = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="A part of the title or the external id (case-insensitive).",
        ),
    ] = None,
    sort: Literal["newest", "title"] = "newest",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Page:
    """Admins list every title, content providers the titles they created; any status."""
    if q is not None and not q.strip():
        raise Problem(422, "Invalid q: it is blank.", code="validation-error", field="q")
    cursor_sort = f"editor-{sort}"  # an editor cursor is no browse cursor, and vice versa
    after = context.cursors.decode(cursor, sort=cursor_sort) if cursor else None
    items, next_position = await context.service.editor_titles(
        principal=principal,
        status=status,
        text=q.strip() if q else None,
        sort=sort,
        after=after,
        limit=limit or context.settings.page_size_default,
    )
    next_cursor = context.cursors.encode(cursor_sort, next_position) if next_position else None
    return Page(items=items, next_cursor=next_cursor)
