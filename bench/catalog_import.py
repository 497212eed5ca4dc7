"""Catalog import benchmark: the batched bulk upsert against the per-title unit of work it
replaced, on SQLite and PostgreSQL, same run.

    .venv/bin/python -m bench.catalog_import [--rows 100000] [--baseline-rows 2000]

Rows are MovieLens-like feed lines (title, year, genres, cast, crew, a window; every tenth a
series with episodes). The baseline is the import as it was before batching: each new title
added to the session and flushed with its own `record_change` (events one INSERT each), one
transaction per 200 rows, run on `--baseline-rows` rows (it is slow). Then the real `Importer`
loads `--rows` rows, and imports the same file again (every row unchanged: no write, no event).
Writes its table into docs/benchmarks.md (`catalog_import`), with the load average beside each
figure: this machine is shared and the figures move with it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench._report import write_section
from cinemesh.catalog.write import publishing
from cinemesh.catalog.write.service.aggregate import new_title
from cinemesh.catalog.write.service.importer import Importer, ImportReport, parse_line
from cinemesh.catalog.write.store.titles import TitleStore
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.tokens import Principal

MIGRATIONS = Path(__file__).resolve().parent.parent / "src" / "cinemesh" / "catalog" / "migrations"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
GENRES = ["Action", "Adventure", "Animation", "Comedy", "Crime", "Drama", "Film-Noir", "Horror", "Sci-Fi"]
COUNTRIES = ["US", "GB", "FR", "DE", "ES", "IT", "BR", "JP", "IN", "CA"]
OPERATOR = Principal(
    user_id="bench-importer",
    roles=frozenset({"admin"}),
    token_id="bench",
    expires_at=dt.datetime.max.replace(tzinfo=dt.UTC),
)


def feed(rows: int, prefix: str) -> list[bytes]:
    rng = random.Random(19)
    lines = []
    for index in range(rows):
        row: dict[str, Any] = {
            "external_id": f"{prefix}-{index}",
            "title": f"Movie {index} ({1920 + index % 100})",
            "type": "movie",
            "release_year": 1920 + index % 100,
            "genres": rng.sample(GENRES, rng.randint(1, 3)),
            "description": "Generated for the catalog import benchmark.",
            "maturity_rating": rng.choice(["G", "PG", "PG-13", "R"]),
            "cast": [{"name": f"Actor {rng.randrange(5000)}", "character": "Lead"}],
            "crew": [{"name": f"Director {rng.randrange(900)}", "job": "director"}],
            "availability": [
                {"country": country, "starts_at": "2020-01-01T00:00:00Z"}
                for country in rng.sample(COUNTRIES, 2)
            ],
        }
        if index % 10 == 0:
            row["type"] = "tv_series"
            row["seasons"] = [
                {"number": 1, "episodes": [{"number": n, "name": f"Episode {n}"} for n in range(1, 4)]}
            ]
        lines.append(orjson.dumps(row))
    return lines


async def unit_of_work_import(database: Database, lines: list[bytes]) -> None:
    """The import before batching: flush and outbox INSERTs per title, 200 rows a transaction."""
    report = ImportReport()
    parsed = [row for number, line in enumerate(lines, 1) if (row := parse_line(number, line, report))]
    assert not report.errors, report.errors[:3]
    for start in range(0, len(parsed), 200):
        now = dt.datetime.now(dt.UTC)
        async with database.transaction() as session:
            store = TitleStore(session)
            for data in parsed[start : start + 200]:
                title = new_title(
                    content_type=data.type.value,
                    created_by=OPERATOR.user_id,
                    external_id=data.external_id,
                    now=now,
                )
                store.add(title)
                Importer._apply(title, data, now)
                await publishing.record_change(session, title, publishing.created(title))


Figure = tuple[str, int, float, float, float]  # scenario, rows, seconds, CPU seconds, load


async def timed(scenario: str, rows: int, work: Awaitable[object]) -> Figure:
    started, cpu = time.perf_counter(), time.process_time()
    await work
    return scenario, rows, time.perf_counter() - started, time.process_time() - cpu, os.getloadavg()[0]


async def measure(url: str, rows: int, baseline_rows: int) -> list[Figure]:
    database = Database(url)
    try:
        await upgrade_to_head(database, service="catalog", script_location=MIGRATIONS)
        lines = feed(baseline_rows, "baseline")
        baseline = "per-title unit of work (baseline)"
        figures = [await timed(baseline, baseline_rows, unit_of_work_import(database, lines))]
        lines = feed(rows, "bulk")
        importer = Importer(database=database)
        for scenario in ("batched import, new titles", "the same file again (all unchanged)"):
            figures.append(await timed(scenario, rows, importer.run(lines, principal=OPERATOR)))
        return figures
    finally:
        await database.dispose()


async def main(rows: int, baseline_rows: int) -> None:
    sections = []
    for backend in ("sqlite", "postgresql"):
        name = f"cinemesh_bench_import_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(ADMIN_DSN) if backend == "postgresql" else None
        if admin is not None:
            await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory() as tmp:
                url = (
                    f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
                    if admin is not None
                    else f"sqlite+aiosqlite:///{Path(tmp) / 'catalog.db'}"
                )
                figures = await measure(url, rows, baseline_rows)
        finally:
            if admin is not None:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
        baseline_rate = figures[0][1] / figures[0][2]
        for scenario, count, seconds, cpu, load_average in figures:
            rate = count / seconds
            line = (
                f"| {label} | {scenario} | {count:,} | {seconds:.1f} s | {rate:,.0f} | "
                f"{rate / baseline_rate:.1f}x | {count / cpu:,.0f} | {load_average:.1f} |"
            )
            sections.append(line)
            print(line, flush=True)
    markdown = "\n".join(
        [
            "Catalog bulk import (`Importer`, as the API's job and the CLI run it) of MovieLens-like rows "
            "(cast, crew, two windows; every tenth a series of three episodes), against the per-title "
            "unit of work it replaced, measured in the same run. Each new title records two events "
            "(created, snapshot) in the outbox. Rows per CPU-second: the benchmark process's CPU time "
            "(with SQLite, the database's work too; with PostgreSQL, not the server's), a figure that "
            "moves less with the machine's load than the wall clock does. Load avg: the 1-minute load "
            "average as the figure was taken.",
            "",
            "| database | import | rows | time | rows/s | vs baseline | rows per CPU-s | load avg |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
            *sections,
        ]
    )
    write_section("catalog_import", markdown)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.baseline_rows))
