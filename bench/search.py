"""Discovery search benchmark: 100k generated titles, the embedded engine against the catalog's
current `q` (SQLite FTS5) on the same data in the same run.

    .venv/bin/python -m bench.search [--titles 100000] [--samples 200]

Titles are built from a generated vocabulary with a Zipf-like word frequency (titles of 1-4
words, a description of 12, 3-6 cast and crew names), so the index has a realistic number of
distinct words. Measured: the index build (snapshots stored through the service's own store,
then the engine filled from them, as at start), its size (the snapshot table on disk, the
process's resident growth), and p50/p95 of exact, one-typo, two-typo, prefix and substring
queries and of suggest, each against the catalog's `q` for the same query text. With tantivy
installed (`uv pip install tantivy`, not a project dependency) its fuzzy query and SQLite FTS5's
trigram table are measured too: the figures behind the engine choice in docs/discovery.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench._report import write_section
from bench.search_alternatives import measure_alternatives
from cinemesh.catalog.read.domain.documents import Audience as CatalogAudience
from cinemesh.catalog.read.domain.documents import BrowseFilters
from cinemesh.catalog.read.domain.search import SearchQuery
from cinemesh.catalog.read.store import browse as read_model
from cinemesh.catalog.read.store import documents
from cinemesh.discovery.domain.documents import Audience
from cinemesh.discovery.domain.search import Filters, Query
from cinemesh.discovery.engine.memory import MemoryIndex
from cinemesh.discovery.service import SearchService
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head

SRC = Path(__file__).resolve().parent.parent / "src" / "cinemesh"
COUNTRIES = ["US", "GB", "FR", "DE", "JP"]
RATINGS = ["G", "PG", "PG-13", "R", "TV-14", "TV-MA", "TV-Y"]
GENRES = ["action", "comedy", "drama", "crime", "animation", "documentary", "horror", "romance"]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ne",
    "so",
    "tu",
    "vi",
    "ba",
    "de",
    "fo",
    "gu",
    "hi",
    "ja",
    "ke",
    "li",
    "mo",
    "nu",
    "pa",
    "qui",
    "re",
    "si",
    "ta",
    "ve",
    "wo",
    "xa",
    "yo",
    "ze",
    "an",
    "el",
    "in",
    "or",
    "us",
]
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4, 5)))))
    return sorted(words)


def generate(titles: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(15)
    words = vocabulary(rng, 40_000)
    names = vocabulary(rng, 8_000)
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf: few common words, many rare
    for index in range(titles):
        title = rng.choices(words, weights, k=rng.randint(1, 4))
        people = [
            f"{rng.choice(names).title()} {rng.choice(names).title()}" for _ in range(rng.randint(3, 6))
        ]
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "title": " ".join(word.title() for word in title)
            + (f" {rng.randint(2, 4)}" if index % 20 == 0 else ""),
            "type": rng.choice(("movie", "movie", "tv_series", "documentary")),
            "status": "published",
            "description": " ".join(rng.choices(words, weights, k=12)),
            "maturity_rating": rng.choice(RATINGS),
            "release_year": rng.randint(1950, 2026),
            "release_date": None,
            "runtime_minutes": 90,
            "genres": rng.sample(GENRES, 2),
            "audio_languages": ["en"],
            "subtitle_languages": rng.sample(["en", "fr", "de"], 2),
            "cast": [{"name": name, "character": None} for name in people[:-1]],
            "crew": [{"name": people[-1], "job": "director"}],
            "images": {},
            "availability": [
                {"country": c, "starts_at": "2020-01-01T00:00:00+00:00", "ends_at": None}
                for c in rng.sample(COUNTRIES, 3)
            ],
            "seasons": [],
            "created_at": "2020-01-01T00:00:00+00:00",
            "version": 1,
        }


def typo(word: str, rng: random.Random, count: int) -> str:
    """`count` substitutions past the first letter (the common typo)."""
    letters = list(word)
    for position in rng.sample(range(1, len(letters)), count):
        letters[position] = "z" if letters[position] != "z" else "y"
    return "".join(letters)


def queries(docs: list[dict[str, Any]], samples: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    picked = rng.sample(docs, samples * 3)
    title_words = [max(d["title"].lower().split(), key=len) for d in picked]
    long_words = [w for w in title_words if len(w) >= 7][:samples]
    return {
        "exact": [d["title"].lower() + " " for d in picked[:samples]],
        "one typo": [typo(w, rng, 1) + " " for w in title_words if len(w) >= 4][:samples],
        "two typos": [typo(w, rng, 2) + " " for w in long_words],
        "prefix": [w[: max(3, len(w) // 2)] for w in title_words[:samples]],
        "substring": [w[2:] + " " for w in long_words],
    }


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def timed(run: Callable[[str], Any], texts: list[str]) -> tuple[list[float], float]:
    timings, cpu = [], time.process_time()
    for text in texts:
        started = time.perf_counter()
        run(text)
        timings.append(time.perf_counter() - started)
    return timings, time.process_time() - cpu


async def catalog_q(database: Database, texts: list[str]) -> tuple[list[float], int]:
    audience = CatalogAudience(country="US", at=NOW)
    timings, found = [], 0
    for text in texts:
        started = time.perf_counter()
        async with database.session() as session:
            items, _ = await read_model.browse(
                session,
                audience=audience,
                filters=BrowseFilters(),
                sort="relevance",
                after=None,
                limit=20,
                text=SearchQuery.parse(text.strip()),
            )
        timings.append(time.perf_counter() - started)
        found += bool(items)
    return timings, found


async def load_catalog(database: Database, docs: list[dict[str, Any]]) -> float:
    await upgrade_to_head(database, service="catalog", script_location=SRC / "catalog" / "migrations")
    started = time.perf_counter()
    for start in range(0, len(docs), 1000):
        async with database.transaction() as session:
            await documents.insert_rows(session, [documents.rows_of(d) for d in docs[start : start + 1000]])
    return time.perf_counter() - started


async def build_discovery(
    database: Database, docs: list[dict[str, Any]]
) -> tuple[SearchService, float, float]:
    await upgrade_to_head(database, service="discovery", script_location=SRC / "discovery" / "migrations")
    service = SearchService(database=database, engine=MemoryIndex(), default_country=None)
    started = time.perf_counter()
    for start in range(0, len(docs), 1000):
        async with database.transaction() as session:
            await service.apply_documents(session, docs[start : start + 1000])
    stored = time.perf_counter() - started
    service.engine.clear()
    started = time.perf_counter()
    await service.load()  # what a start does: the engine from the stored snapshots
    return service, stored, time.perf_counter() - started


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(titles: int, samples: int) -> str:
    docs = list(generate(titles))
    asked = queries(docs, samples)
    rows = [f"Load average at start {os.getloadavg()[0]:.2f} (2 cores shared with the team's runs)."]
    with tempfile.TemporaryDirectory() as folder:
        discovery_db = Database(f"sqlite+aiosqlite:///{folder}/discovery.db")
        catalog_db = Database(f"sqlite+aiosqlite:///{folder}/catalog.db")
        before = rss_mib()
        service, stored, loaded = await build_discovery(discovery_db, docs)
        grown = rss_mib() - before
        catalog_seconds = await load_catalog(catalog_db, docs)
        size = Path(f"{folder}/discovery.db").stat().st_size / 2**20
        rows.append(
            f"Index build, {titles:,} titles: snapshots stored through the consumer's path {stored:.1f} s, "
            f"engine filled from them (a start) {loaded:.1f} s (goal <= 30 s); on disk {size:.0f} MiB "
            f"(the snapshot table), peak resident growth {grown:.0f} MiB; catalog read model for its `q` "
            f"{catalog_seconds:.1f} s. Load average {os.getloadavg()[0]:.2f}."
        )
        audience = Audience(country="US", at=NOW)
        rows += [
            "",
            "| query | engine p50 ms | p95 ms | CPU s | found | catalog `q` p50 ms | p95 ms | found | load |",
        ]
        rows.append("|---|---|---|---|---|---|---|---|---|")

        def search(text: str, *, limit: int = 20, facets: bool = True) -> Any:
            query = Query.parse(text)
            return service.search(
                audience=audience, query=query, filters=Filters(), offset=0, limit=limit, facets=facets
            )

        for kind, texts in asked.items():
            service.search(
                audience=audience, query=Query.parse(texts[0]), filters=Filters(), offset=0, limit=20
            )
            timings, cpu = timed(search, texts)
            found = sum(bool(search(text).hits) for text in texts)
            catalog_timings, catalog_found = await catalog_q(catalog_db, texts)
            p50, p95 = percentiles(timings)
            c50, c95 = percentiles(catalog_timings)
            rows.append(
                f"| {kind} ({len(texts)}) | {p50:.1f} | {p95:.1f} | {cpu:.2f} | {found} "
                f"| {c50:.1f} | {c95:.1f} | {catalog_found} | {os.getloadavg()[0]:.2f} |"
            )
        suggest_texts = [text[:5] for text in asked["prefix"]]
        timings, cpu = timed(lambda text: search(text, limit=6, facets=False), suggest_texts)
        p50, p95 = percentiles(timings)
        rows.append(
            f"| suggest ({len(suggest_texts)}) | {p50:.1f} | {p95:.1f} | {cpu:.2f} | - | - | - | - "
            f"| {os.getloadavg()[0]:.2f} |"
        )
        await discovery_db.dispose()
        await catalog_db.dispose()
    rows += ["", *measure_alternatives(docs, asked)]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    arguments = parser.parse_args()
    report = asyncio.run(run(arguments.titles, arguments.samples))
    print(report)
    write_section("search", "## Discovery search (`bench/search.py`)\n\n" + report)


if __name__ == "__main__":
    main()
