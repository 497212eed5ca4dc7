"""Catalog benchmark: browse at 100k titles on SQLite and PostgreSQL, and the replay rebuild.

    .venv/bin/python -m bench.catalog_browse --backend sqlite|postgresql [--titles 100000]

For each database: 100k generated `catalog.title.updated.v1` snapshots go onto an embedded event
log; the real read-model consumer (inbox claim + projection, one transaction per fetched batch) rebuilds
the read model from offset 0 - the replay rebuild time. Then browse pages are timed through the
service's query (region + window + rating filters, 24 per page): keyset cursors against the
baseline measured in the same run, OFFSET pagination at the same deep pages.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa

from bench._report import write_section
from cinemesh.catalog.read.domain.documents import Audience, BrowseFilters
from cinemesh.catalog.read.domain.search import SearchQuery
from cinemesh.catalog.read.events import READ_MODEL_GROUP, on_catalog_batch, on_catalog_event
from cinemesh.catalog.read.store import browse as read_model
from cinemesh.catalog.read.store.documents import insert_rows, rows_of
from cinemesh.contracts.catalog import CATALOG_TOPIC, TitleUpdatedV1
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.ratings import MaturityRating
from cinemesh.platform.db import Database
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.inbox import EventConsumer
from cinemesh.platform.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).resolve().parent.parent / "src" / "cinemesh" / "catalog" / "migrations"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
GENRES = [
    "action",
    "animation",
    "comedy",
    "crime",
    "documentary",
    "drama",
    "family",
    "fantasy",
    "horror",
    "romance",
    "sci-fi",
    "thriller",
    "war",
    "western",
    "music",
    "history",
    "sport",
    "mystery",
]
COUNTRIES = ["US", "GB", "FR", "DE", "ES", "IT", "BR", "JP", "IN", "CA"]
RATINGS = ["G", "PG", "PG-13", "R", "NC-17", "TV-Y", "TV-Y7", "TV-G", "TV-PG", "TV-14", "TV-MA", None]
TYPES = ["movie", "movie", "movie", "tv_series", "documentary", "special"]
PAGE = 24
DEEP_PAGES = 200
SAMPLES = 300
CONCURRENCY = 4


def generate(index: int, rng: random.Random) -> dict[str, Any]:
    """One title document in the shape `build_document` produces."""
    created = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=index)
    released = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(27_000))
    windows = [
        {
            "country": country,
            "starts_at": "2020-01-01T00:00:00+00:00",
            "ends_at": None if rng.random() < 0.8 else "2021-01-01T00:00:00+00:00",
        }
        for country in rng.sample(COUNTRIES, rng.randint(1, 4))
    ]
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "external_id": f"bench-{index}",
        "title": f"{rng.choice(['The', 'A', 'Last', 'Night', 'Blue'])} {rng.getrandbits(32):08x} {index}",
        "type": rng.choice(TYPES),
        "status": "published" if rng.random() < 0.85 else "draft",
        "description": "Generated for the catalog benchmark.",
        "maturity_rating": rng.choice(RATINGS),
        "release_year": released.year,
        "release_date": released.isoformat(),
        "runtime_minutes": rng.randint(20, 180),
        "genres": sorted(rng.sample(GENRES, rng.randint(1, 3))),
        "audio_languages": ["en"],
        "subtitle_languages": sorted(rng.sample(["en", "fr", "de", "es", "ja"], 2)),
        "cast": [],
        "crew": [],
        "images": {},
        "trailers": [],
        "video_id": None,
        "availability": windows,
        "seasons": [],
        "created_by": "bench",
        "created_at": created.isoformat(),
        "updated_at": created.isoformat(),
        "published_at": created.isoformat(),
        "version": 1,
    }


def documents(titles: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(4)
    return (generate(index, rng) for index in range(titles))


async def fill_log(bus: EmbeddedEventBus, source: Iterator[dict[str, Any]], count: int) -> None:
    batch = []
    for document in itertools.islice(source, count):
        event = TitleUpdatedV1(title_id=document["id"], document=document, updated_at=dt.datetime.now(dt.UTC))
        batch.append((CATALOG_TOPIC, to_envelope(event, source="cinemesh/bench")))
        if len(batch) == 1000:
            await bus.publish_many(batch)
            batch = []
    if batch:
        await bus.publish_many(batch)


async def bulk_load(database: Database, source: Iterator[dict[str, Any]]) -> float:
    """The rest of the titles through the projection's own row mapping, 1,000 per statement."""
    started = time.perf_counter()
    while chunk := list(itertools.islice(source, 1000)):
        async with database.transaction() as session:
            await insert_rows(session, [rows_of(document) for document in chunk])
    return time.perf_counter() - started


async def rebuild(database: Database, bus: EmbeddedEventBus) -> float:
    """The replay: the real consumer from offset 0 until the log is drained."""
    consumer = EventConsumer(
        bus,
        database.sessionmaker,
        READ_MODEL_GROUP,
        [CATALOG_TOPIC],
        on_catalog_event,
        batch_size=500,
        batch_handler=on_catalog_batch,
    )
    started = time.perf_counter()
    await consumer.drain(idle_timeout=1.0)
    elapsed = time.perf_counter() - started - 1.0  # the final idle wait is not work
    await consumer.stop()
    return elapsed


Timed = Callable[[], Awaitable[object]]


async def measure(calls: list[Timed]) -> tuple[float, float, float]:
    """p50 and p99 latency (ms) and throughput (pages/s) of `calls` run CONCURRENCY at a time."""
    latencies: list[float] = []
    queue = list(calls)

    async def worker() -> None:
        while queue:
            call = queue.pop()
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return quantiles[49], quantiles[98], len(latencies) / elapsed


async def browse_figures(database: Database) -> dict[str, tuple[float, float, float]]:
    audience = Audience(country="US", at=dt.datetime.now(dt.UTC))
    kids = Audience(country="US", at=audience.at, max_rating=MaturityRating.PG)
    none = BrowseFilters()

    async def keyset(
        after: tuple[str, str] | None, who: Audience = audience, filters: BrowseFilters = none
    ) -> object:
        async with database.session() as session:
            return await read_model.browse(
                session, audience=who, filters=filters, sort="newest", after=after, limit=PAGE
            )

    async def offset(page: int) -> object:
        async with database.session() as session:
            return await read_model.browse_offset(
                session, audience=audience, filters=none, sort="newest", offset=page * PAGE, limit=PAGE
            )

    positions: list[tuple[str, str] | None] = [None]  # walk once to know where each page starts
    for _ in range(DEEP_PAGES):
        async with database.session() as session:
            _, after = await read_model.browse(
                session, audience=audience, filters=none, sort="newest", after=positions[-1], limit=PAGE
            )
        positions.append(after)
    rng = random.Random(7)
    deep = [rng.randrange(DEEP_PAGES // 2, DEEP_PAGES) for _ in range(SAMPLES)]
    drama = BrowseFilters(genre="drama", content_type="movie")

    async def search(text: str) -> object:
        async with database.session() as session:
            return await read_model.browse(
                session,
                audience=audience,
                filters=none,
                sort="relevance",
                after=None,
                limit=PAGE,
                text=SearchQuery.parse(text),
            )

    # A title's own hex word (one match), a 3-letter prefix of a title word (~1 title in 5),
    # and a word of every description (every title matches: the ranking's worst case).
    rare = [document["title"].split()[1] for document in itertools.islice(documents(SAMPLES), SAMPLES)]
    return {
        "first page": await measure([lambda: keyset(None) for _ in range(SAMPLES)]),
        "kids profile, drama movies": await measure(
            [lambda: keyset(None, kids, drama) for _ in range(SAMPLES)]
        ),
        "pages 100-200, keyset cursor": await measure([partial(keyset, positions[p]) for p in deep]),
        "pages 100-200, OFFSET (baseline)": await measure([partial(offset, p) for p in deep]),
        "search, a title's own word (1 match)": await measure([partial(search, w) for w in rare]),
        "search, prefix 'nig' (~20% match)": await measure([lambda: search("nig") for _ in range(SAMPLES)]),
        "search, word of every title (worst)": await measure(
            [lambda: search("generated") for _ in range(SAMPLES)]
        ),
    }


async def run_backend(
    name: str, url: str, workdir: Path, titles: int, replayed: int
) -> tuple[float, float, dict[str, Any]]:
    """Replays `replayed` snapshots through the consumer, bulk-loads the rest, then times browse."""
    database = Database(url)
    await upgrade_to_head(database, service="catalog", script_location=MIGRATIONS)
    bus = EmbeddedEventBus(workdir / f"events-{name}.db")
    await bus.start()
    try:
        source = documents(titles)
        await fill_log(bus, source, replayed)
        seconds = await rebuild(database, bus)
        loaded = await bulk_load(database, source)
        # Fresh statistics, as autovacuum (PostgreSQL) would gather after such a load: without
        # them the planner guesses a handful of window rows and hash-joins instead of walking the
        # sort index (measured: 900 ms instead of 23 ms per first page at 100k).
        async with database.transaction() as session:
            await session.execute(sa.text("ANALYZE"))
        return seconds, loaded, await browse_figures(database)
    finally:
        await bus.close()
        await database.dispose()


def report(titles: int, rows: list[str], rebuilds: list[str]) -> str:
    return "\n".join(
        [
            f"Browse of {titles:,} generated titles (85% published, 1-4 of 10 countries each), viewer in US, "
            f"{PAGE} per page, {SAMPLES} pages per row, {CONCURRENCY} concurrent readers, through the "
            "service's query (region + window + maturity filters). "
            "Ratio: OFFSET p99 at the same deep pages / this p99.",
            "",
            "| database | page | p50 ms | p99 ms | pages/s | p99 vs OFFSET |",
            "|---|---|---:|---:|---:|---:|",
            *rows,
            "",
            "Read-model rebuild by replay from offset 0 (real consumer: inbox claim + projection, one "
            "transaction per event; embedded event log):",
            "",
            "| database | titles | rebuild | events/s |",
            "|---|---:|---:|---:|",
            *rebuilds,
        ]
    )


async def main(titles: int, backend: str, replayed: int) -> None:
    """One database per run (run both at once to halve the wall time); each writes its own section."""
    name = f"cinemesh_bench_catalog_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN) if backend == "postgresql" else None
    if admin is not None:
        await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            url = (
                f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
                if backend == "postgresql"
                else f"sqlite+aiosqlite:///{workdir / 'catalog.db'}"
            )
            label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
            seconds, loaded, figures = await run_backend(label, url, workdir, titles, replayed)
    finally:
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    rebuilds = [f"| {label} | {replayed:,} | {seconds:.1f} s | {replayed / seconds:,.0f} |"]
    print(f"{label:10} replay rebuild of {replayed} titles: {seconds:.1f} s", flush=True)
    if replayed < titles:
        rebuilds.append(
            f"| {label}, the other {titles - replayed:,} bulk-loaded (1,000 per statement, not a replay) "
            f"| {titles - replayed:,} | {loaded:.1f} s | {(titles - replayed) / loaded:,.0f} |"
        )
    baseline = figures["pages 100-200, OFFSET (baseline)"]
    rows = []
    for scenario, (p50, p99, rate) in figures.items():
        ratio = baseline[1] / p99
        rows.append(f"| {label} | {scenario} | {p50:.1f} | {p99:.1f} | {rate:,.0f} | {ratio:.1f}x |")
        print(
            f"{label:10} {scenario:34} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {rate:7.0f}/s  "
            f"p99 vs OFFSET {ratio:.1f}x",
            flush=True,
        )
    load = f"\n\nLoad average (1 min) when the run ended: {os.getloadavg()[0]:.1f} on this shared machine."
    write_section(f"catalog_browse.{backend}", report(titles, rows, rebuilds) + load)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument(
        "--replayed", type=int, help="Titles rebuilt by replay (default all); the rest bulk-loaded."
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.titles, arguments.backend, arguments.replayed or arguments.titles))
