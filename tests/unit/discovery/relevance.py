"""The relevance suite's title list (tests/unit/discovery/titles.json: 149 real-world titles
with cast, director, genres, rating) as catalog documents, and an index holding them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from cinemesh.discovery.domain.documents import Audience, search_document
from cinemesh.discovery.domain.search import Filters, Query, SearchRequest, SearchResult
from cinemesh.discovery.engine.memory import MemoryIndex
from cinemesh.discovery.engine.port import SearchEngine

TITLES = json.loads((Path(__file__).parent / "titles.json").read_text())
US_ALWAYS = [{"country": "US", "starts_at": "2000-01-01T00:00:00+00:00", "ends_at": None}]
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
EVERYONE = Audience(country="US", at=NOW)


def document(number: int, title: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "id": f"title-{number:04d}",
        "title": title["title"],
        "type": title["type"],
        "status": "published",
        "description": title["description"],
        "maturity_rating": title["maturity_rating"],
        "release_year": title["release_year"],
        "genres": title["genres"],
        "audio_languages": ["en"],
        "subtitle_languages": ["en", "fr"] if number % 2 else ["en"],
        "cast": [{"name": name, "character": None} for name in title["cast"]],
        "crew": [{"name": title["director"], "job": "director"}],
        "availability": US_ALWAYS,
        "seasons": [],
        "version": 1,
        **changes,
    }


def documents() -> list[dict[str, Any]]:
    return [document(number, title) for number, title in enumerate(TITLES)]


def memory_engine() -> SearchEngine:
    index = MemoryIndex()
    index.upsert(search_document(d) for d in documents())
    return index


def search(engine: SearchEngine, q: str, audience: Audience = EVERYONE, **filters: Any) -> SearchResult:
    request = SearchRequest(query=Query.parse(q), audience=audience, filters=Filters(**filters), limit=10)
    return engine.search(request)


def titles(engine: SearchEngine, q: str, audience: Audience = EVERYONE, **filters: Any) -> list[str]:
    return [hit.document.title for hit in search(engine, q, audience, **filters).hits]
