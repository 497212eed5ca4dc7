"""`GET /api/v1/search` and `GET /api/v1/search/suggest`: what a viewer may watch, found by
typo-tolerant, prefix and substring matching, ranked in explained steps, with facets.

Anonymous callers search as browse lets them browse (the default region, no profile); a
`profile_id` must be one of the caller's profiles (404 otherwise) and applies its limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cinemesh.contracts.ratings import MaturityRating
from cinemesh.discovery.domain.documents import Audience
from cinemesh.discovery.domain.search import MAX_QUERY_CHARS, Filters
from cinemesh.discovery.domain.search import Query as SearchQuery
from cinemesh.discovery.http.deps import Context
from cinemesh.discovery.http.schemas import PersonHit, SearchHit, SearchPage, Suggestions
from cinemesh.platform.security import OptionalPrincipal
from cinemesh.platform.tokens import Principal

router = APIRouter(prefix="/api/v1/search", tags=["search"])

Text = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        description="What to find: words of titles, people, genres, descriptions, episodes; the "
        "last word matches as a prefix unless followed by a space; typos forgiven.",
    ),
]
ProfileId = Annotated[str | None, Query(min_length=1, max_length=64, description="The active profile.")]
Code = Annotated[str | None, Query(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=16)]


async def filters(
    type: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$", description="movie, tv_series, ...")] = None,
    genre: Annotated[str | None, Query(pattern=r"^[\w &'-]{1,40}$", max_length=40)] = None,
    year_from: Annotated[int | None, Query(ge=1878, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1878, le=2100)] = None,
    rating: MaturityRating | None = None,
    audio: Code = None,
    subtitles: Code = None,
) -> Filters:
    return Filters(
        content_type=type,
        genre=genre.strip().lower() if genre else None,
        year_from=year_from,
        year_to=year_to,
        rating=rating.value if rating else None,
        audio=audio,
        subtitles=subtitles,
    )


@dataclass(frozen=True)
class Viewer:
    audience: Audience


async def viewer(context: Context, principal: OptionalPrincipal, profile_id: ProfileId = None) -> Viewer:
    return Viewer(await _audience(context, principal, profile_id))


async def _audience(context: Context, principal: Principal | None, profile_id: str | None) -> Audience:
    return await context.search.audience(
        user_id=principal.user_id if principal else None,
        country=principal.country if principal else None,
        profile_id=profile_id,
    )


@router.get("", summary="Search the titles this viewer may watch")
async def search(
    context: Context,
    q: Text,
    found_for: Annotated[Viewer, Depends(viewer)],
    chosen: Annotated[Filters, Depends(filters)],
    cursor: Annotated[str | None, Query(max_length=256)] = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    debug: Annotated[bool, Query(description="Each hit's ranking steps.")] = False,
) -> SearchPage:
    query = SearchQuery.parse(q)
    binding = f"{query.fingerprint}|{chosen}"
    offset = context.cursors.decode(cursor, search=binding) if cursor else 0
    size = limit or context.settings.page_size_default
    result = context.search.search(
        audience=found_for.audience, query=query, filters=chosen, offset=offset, limit=size
    )
    following = offset + size
    next_cursor = context.cursors.encode(following, search=binding) if following < result.total else None
    return SearchPage.of(result, debug=debug, next_cursor=next_cursor)


@router.get("/suggest", summary="Titles and people for the search box, as the viewer types")
async def suggest(context: Context, q: Text, found_for: Annotated[Viewer, Depends(viewer)]) -> Suggestions:
    query = SearchQuery.parse(q)
    result = context.search.search(
        audience=found_for.audience,
        query=query,
        filters=Filters(),
        offset=0,
        limit=context.settings.suggest_size,
        facets=False,
    )
    return Suggestions(
        titles=[SearchHit.of(hit, debug=False) for hit in result.hits],
        people=[PersonHit(name=p.name, titles=p.titles) for p in result.people],
        did_you_mean=result.did_you_mean,
    )
