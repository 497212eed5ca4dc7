"""`GET /api/v1/recommendations/...`: a profile's home rows, titles like a title, and what is
trending in a country, each title with a one-line reason.

A `profile_id` must be one of the caller's profiles (404 otherwise, as search). Every row keeps
to the viewer's region windows and the profile's maturity limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cinemesh.discovery.domain.recommend.rows import Row
from cinemesh.discovery.domain.shelf import Shelf
from cinemesh.discovery.http.deps import Context
from cinemesh.discovery.http.schemas import (
    HomeRows,
    RecommendationRow,
    Recommended,
    RecommendedItems,
    card_fields,
)
from cinemesh.discovery.service.recommend import Viewer
from cinemesh.platform.security import OptionalPrincipal

router = APIRouter(prefix="/api/v1/recommendations", tags=["recommendations"])

ProfileId = Annotated[str, Query(min_length=1, max_length=64, description="The active profile.")]
OptionalProfileId = Annotated[
    str | None, Query(min_length=1, max_length=64, description="The active profile.")
]
Country = Annotated[
    str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2; default the caller's.")
]
Limit = Annotated[int | None, Query(ge=1, le=100, description="Titles per row.")]


def _row(row: Row, shelf: Shelf) -> RecommendationRow:
    items = []
    for pick in row.items:
        title = shelf.get(pick.title_id)
        card = card_fields(title.card) if title is not None else {}
        name = title.title if title is not None else ""
        items.append(
            Recommended(title_id=pick.title_id, id=pick.title_id, title=name, reason=pick.reason, **card)
        )
    return RecommendationRow(id=row.id, title=row.title, reason=row.reason, items=items)


def _items(row: Row | None, shelf: Shelf) -> RecommendedItems:
    if row is None:
        return RecommendedItems(items=[])
    shown = _row(row, shelf)
    return RecommendedItems(title=shown.title, reason=shown.reason, items=shown.items)


async def _viewer(
    context: Context, principal: OptionalPrincipal, profile_id: str | None, country: str | None = None
) -> Viewer:
    return await context.recommend.viewer(
        user_id=principal.user_id if principal else None,
        country=country or (principal.country if principal else None),
        profile_id=profile_id,
    )


@router.get("/home", summary="The profile's home rows: top picks, because you watched, trending, new")
async def home(
    context: Context, principal: OptionalPrincipal, profile_id: ProfileId, limit: Limit = None
) -> HomeRows:
    viewer = await _viewer(context, principal, profile_id)
    rows = await context.recommend.home(viewer, size=limit)
    return HomeRows(rows=[_row(row, context.recommend.shelf) for row in rows])


@router.get("", summary="Top picks for the profile (the home page's one-row form)")
async def top_picks(
    context: Context, principal: OptionalPrincipal, profile_id: ProfileId, limit: Limit = None
) -> RecommendedItems:
    viewer = await _viewer(context, principal, profile_id)
    rows = await context.recommend.home(viewer, size=limit)
    return _items(rows[0] if rows else None, context.recommend.shelf)


@router.get("/similar/{title_id}", summary="More like this: titles like a title")
async def similar(
    context: Context,
    principal: OptionalPrincipal,
    title_id: Annotated[str, Path(min_length=1, max_length=64)],
    profile_id: OptionalProfileId = None,
    limit: Limit = None,
) -> RecommendedItems:
    viewer = await _viewer(context, principal, profile_id)
    return _items(await context.recommend.similar(viewer, title_id, size=limit), context.recommend.shelf)


@router.get("/trending", summary="What is watched most in a country lately (time-decayed)")
async def trending(
    context: Context,
    principal: OptionalPrincipal,
    country: Country = None,
    profile_id: OptionalProfileId = None,
    limit: Limit = None,
) -> RecommendedItems:
    viewer = await _viewer(context, principal, profile_id, country)
    return _items(await context.recommend.trending(viewer, size=limit), context.recommend.shelf)
