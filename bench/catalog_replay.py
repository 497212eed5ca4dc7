"""Catalog read-model rebuild: the consumer's batch fold against the per-event fold, same run,
on SQLite and PostgreSQL.

    .venv/bin/python -m bench.catalog_replay [--events 100000] [--baseline-events 5000]

The embedded event log holds generated `catalog.title.updated.v1` snapshots (the shape
`build_document` produces, as bench.catalog_browse); the real consumer replays them from offset
0 into an empty read model, 500 records a fetch, with the inbox claiming every event. Baseline:
the per-event handler (a claim, a lookup, the deletes and inserts of one document, per event),
on `--baseline-events` events since it is slow. Writes docs/benchmarks.md (`catalog_replay`) with
the load average beside each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bench._report import write_section
from bench.catalog_browse import ADMIN_DSN, MIGRATIONS, documents, fill_log
from cinemesh.catalog.read.events import READ_MODEL_GROUP, on_catalog_batch, on_catalog_event
from cinemesh.contracts.catalog import CATALOG_TOPIC
from cinemesh.platform.db import Database
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.inbox import EventConsumer
from cinemesh.platform.migrations import upgrade_to_head

IDLE = 1.0


async def replay(url: str, workdir: Path, events: int, *, batched: bool) -> tuple[float, float, float]:
    """Seconds (wall, then CPU) to rebuild from `events` snapshots, and the load average at the end."""
    database = Database(url)
    bus = EmbeddedEventBus(workdir / f"events-{uuid.uuid4().hex[:6]}.db")
    await bus.start()
    try:
        await upgrade_to_head(database, service="catalog", script_location=MIGRATIONS)
        await fill_log(bus, documents(events), events)
        consumer = EventConsumer(
            bus,
            database.sessionmaker,
            READ_MODEL_GROUP,
            [CATALOG_TOPIC],
            on_catalog_event,
            batch_size=500,
            batch_handler=on_catalog_batch if batched else None,
        )
        started, cpu = time.perf_counter(), time.process_time()
        handled = await consumer.drain(idle_timeout=IDLE)
        seconds = time.perf_counter() - started - IDLE  # the final idle wait is not work
        cpu = time.process_time() - cpu
        await consumer.stop()
        assert handled == events, (handled, events)
        return seconds, cpu, os.getloadavg()[0]
    finally:
        await bus.close()
        await database.dispose()


async def on_backend(backend: str, events: int, baseline_events: int) -> list[str]:
    rows = []
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    figures = []
    for batched, count in ((False, baseline_events), (True, events)):
        name = f"cinemesh_bench_replay_{uuid.uuid4().hex[:8]}"
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
                seconds, cpu, load = await replay(url, Path(tmp), count, batched=batched)
        finally:
            if admin is not None:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
        figures.append(("batch fold" if batched else "per-event fold (baseline)", count, seconds, cpu, load))
    baseline_rate = figures[0][1] / figures[0][2]
    for scenario, count, seconds, cpu, load in figures:
        rate = count / seconds
        ratio = rate / baseline_rate
        row = f"| {label} | {scenario} | {count:,} "
        row += f"| {seconds:.1f} s | {rate:,.0f} | {ratio:.1f}x | {count / cpu:,.0f} | {load:.1f} |"
        rows.append(row)
        print(row, flush=True)
    return rows


async def main(events: int, baseline_events: int) -> None:
    rows = []
    for backend in ("sqlite", "postgresql"):
        rows += await on_backend(backend, events, baseline_events)
    markdown = "\n".join(
        [
            "Read-model rebuild by replay from offset 0 (the real consumer and inbox; embedded event "
            "log, 500 records a fetch, one transaction each): the batch fold against the per-event "
            "fold, same run. Events per CPU-second: the benchmark process's CPU time (with SQLite, the "
            "database's work too; with PostgreSQL, not the server's). Load avg: the 1-minute load "
            "average as the figure was taken.",
            "",
            "| database | fold | events | rebuild | events/s | vs baseline | events per CPU-s | load avg |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    write_section("catalog_replay", markdown)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--baseline-events", type=int, default=5_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.baseline_events))
