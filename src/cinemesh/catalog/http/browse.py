"""Viewer routes: browse, detail, genres. Always filtered by region, window and profile limit."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from cinemesh.catalog.domain.inputs import Genre, Language
from cinemesh.catalog.domain.titles import ContentType
from cinemesh.catalog.http.deps import Context
from cinemesh.catalog.http.schemas import Page, Paging
from cinemesh.catalog.http.viewer import resolve_audience
from cinemesh.catalog.read.domain.documents import Audience, BrowseFilters
from cinemesh.catalog.read.domain.search import MAX_QUERY_CHARS, InvalidQueryError, SearchQuery
from cinemesh.platform.problems import Problem
from cinemesh.platform.security import OptionalPrincipal
from cinemesh.platform.tokens import Principal

router = APIRouter(tags=["browse"])

ProfileId = Annotated[str | None, Query(max_length=64, description="The active profile (or X-Profile-Id).")]


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def paging(
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    from_title: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="With sort=title: start at the first title from this text on (an A-Z index).",
        ),
    ] = None,
) -> Paging:
    return Paging(cursor=cursor, limit=limit, from_title=from_title)


async def browse_filters(
    genre: Genre | None = None,
    type: ContentType | None = None,
    language: Language | None = None,
    year: Annotated[int | None, Query(ge=1878, le=2100)] = None,
) -> BrowseFilters:
    return BrowseFilters(genre=genre, content_type=type.value if type else None, language=language, year=year)


async def _audience(
    request: Request, context: Context, principal: Principal | None, profile_id: str | None
) -> Audience:
    return await resolve_audience(
        request,
        principal=principal,
        profile_id=profile_id,
        trust=context.edge,
        browsing=context.browsing,
    )


@router.get("/api/v1/titles")
async def browse_titles(
    request: Request,
    context: Context,
    principal: OptionalPrincipal,
    paging: Annotated[Paging, Depends(paging)],
    filters: Annotated[BrowseFilters, Depends(browse_filters)],
    profile_id: ProfileId = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description="Full-text search: title, people, genres, description, episodes; "
            "every word matches as a prefix.",
        ),
    ] = None,
    sort: Annotated[
        Literal["newest", "title", "relevance"] | None,
        Query(description="Default: relevance with q, else newest."),
    ] = None,
) -> Page:
    """Published titles open in the viewer's region now, allowed for the active profile;
    with `q`, only those matching it, most relevant first."""
    text = _search_query(q)
    sort = sort or ("relevance" if text else "newest")
    if sort == "relevance" and text is None:
        raise Problem(422, "sort=relevance needs q.", code="validation-error", field="sort")
    audience = await _audience(request, context, principal, profile_id)
    # A relevance cursor is bound to its query: its score means nothing to another one.
    cursor_sort = f"relevance:{text.fingerprint}" if sort == "relevance" and text else sort
    cursor, limit, from_title = paging.cursor, paging.limit, paging.from_title
    after = context.cursors.decode(cursor, sort=cursor_sort) if cursor else None
    if from_title is not None:
        if sort != "title" or cursor:
            raise Problem(
                422, "from_title needs sort=title and no cursor.", code="validation-error", field="from_title"
            )
        # A keyset position just before the first title sorting at or after the text: the page
        # is the A-Z list from that letter on, and its cursor goes on from there.
        after = (from_title.casefold(), "")
    items, next_position = await context.browsing.browse(
        audience=audience,
        filters=filters,
        sort=sort,
        after=after,
        limit=limit or context.settings.page_size_default,
        text=text,
    )
    next_cursor = context.cursors.encode(cursor_sort, next_position) if next_position else None
    return Page(items=items, next_cursor=next_cursor)


def _search_query(q: str | None) -> SearchQuery | None:
    if q is None:
        return None
    try:
        return SearchQuery.parse(q)
    except InvalidQueryError as exc:
        raise Problem(422, f"Invalid q: {exc}.", code="validation-error", field="q") from exc


# `:uuid` so /titles/import (POST only) is not taken for a title: GET there answers 405.
@router.get("/api/v1/titles/{title_id:uuid}")
async def get_title(
    title_id: uuid.UUID,
    request: Request,
    context: Context,
    principal: OptionalPrincipal,
    profile_id: ProfileId = None,
) -> dict[str, Any]:
    """Editors get the write model's document (any status); viewers what they may watch, or 404."""
    if principal is not None and principal.has_any_role("admin", "content_provider"):
        document = await context.service.editor_document(principal=principal, title_id=str(title_id))
        if document is not None:
            return document
    audience = await _audience(request, context, principal, profile_id)
    return await context.browsing.viewer_document(audience=audience, title_id=str(title_id))


@router.get("/api/v1/genres")
async def list_genres(
    request: Request, context: Context, principal: OptionalPrincipal, profile_id: ProfileId = None
) -> list[dict[str, Any]]:
    """Genres with how many titles this viewer can see in each."""
    return await context.browsing.genres(audience=await _audience(request, context, principal, profile_id))
