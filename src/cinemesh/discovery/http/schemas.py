"""Request and response bodies of search."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from cinemesh.discovery.domain.search import Hit, SearchResult


def card_fields(card: dict[str, Any]) -> dict[str, Any]:
    """A poster card's fields from a title's snapshot (`HIT_FIELDS`)."""
    return {**card, "genres": list(card.get("genres") or ())}


class TitleCard(BaseModel):
    title_id: str
    title: str
    type: str | None = None
    maturity_rating: str | None = None
    release_year: int | None = None
    runtime_minutes: int | None = None
    genres: list[str] = []
    images: dict[str, Any] | None = None


class SearchHit(TitleCard):
    highlights: dict[str, Any] = Field(
        description="`title` / `original_title`: {text, ranges: [[start, end], ...]} (character "
        "offsets of matched words); `people`: the cast and crew names that matched."
    )
    ranking: dict[str, float | bool] | None = Field(
        None, description="With debug=true: the hit's ranking steps, in the order they decide."
    )

    @classmethod
    def of(cls, hit: Hit, *, debug: bool) -> SearchHit:
        return cls(
            title_id=hit.document.title_id,
            title=hit.document.title,
            **card_fields(hit.document.card),
            highlights=hit.highlights,
            ranking=hit.ranking.explain() if debug else None,
        )


class PersonHit(BaseModel):
    name: str
    titles: int = Field(description="How many of the found titles they are in.")


class SearchPage(BaseModel):
    hits: list[SearchHit]
    total: int = Field(description="Titles found for this viewer with these filters.")
    facets: dict[str, dict[str, int]] = Field(
        description="Per facet, value -> titles; each facet counts as if its own filter were unset."
    )
    people: list[PersonHit]
    did_you_mean: str | None = Field(description="A corrected query when nothing matched.")
    next_cursor: str | None

    @classmethod
    def of(cls, result: SearchResult, *, debug: bool, next_cursor: str | None) -> SearchPage:
        return cls(
            hits=[SearchHit.of(hit, debug=debug) for hit in result.hits],
            total=result.total,
            facets=result.facets,
            people=[PersonHit(name=p.name, titles=p.titles) for p in result.people],
            did_you_mean=result.did_you_mean,
            next_cursor=next_cursor,
        )


class Suggestions(BaseModel):
    titles: list[SearchHit]
    people: list[PersonHit]
    did_you_mean: str | None


class Recommended(TitleCard):
    """A title of a recommendation row: a poster card with the one-line reason it is there."""

    id: str = Field(description="The title id again (the web app's cards read `id`).")
    reason: str


class RecommendationRow(BaseModel):
    id: str = Field(description="top-picks, because-you-watched, trending, new-releases, more-like-this")
    title: str
    reason: str
    items: list[Recommended]


class HomeRows(BaseModel):
    rows: list[RecommendationRow]


class RecommendedItems(BaseModel):
    title: str | None = Field(None, description="The row's heading.")
    reason: str | None = None
    items: list[Recommended]
