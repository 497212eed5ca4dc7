"""Request and response bodies of search."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from cinemesh.discovery.domain.search import Hit, SearchResult


class SearchHit(BaseModel):
    title_id: str
    title: str
    type: str | None = None
    maturity_rating: str | None = None
    release_year: int | None = None
    runtime_minutes: int | None = None
    genres: list[str] = []
    images: dict[str, Any] | None = None
    highlights: dict[str, Any] = Field(
        description="`title` / `original_title`: {text, ranges: [[start, end], ...]} (character "
        "offsets of matched words); `people`: the cast and crew names that matched."
    )
    ranking: dict[str, float | bool] | None = Field(
        None, description="With debug=true: the hit's ranking steps, in the order they decide."
    )

    @classmethod
    def of(cls, hit: Hit, *, debug: bool) -> SearchHit:
        card = hit.document.card
        return cls(
            title_id=hit.document.title_id,
            title=hit.document.title,
            type=card.get("type"),
            maturity_rating=card.get("maturity_rating"),
            release_year=card.get("release_year"),
            runtime_minutes=card.get("runtime_minutes"),
            genres=list(card.get("genres") or ()),
            images=card.get("images"),
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
