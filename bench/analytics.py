"""Analytics: beacon ingestion through the gateway and straight into the store, against the store's
own bulk insert in the same run; and the QoE dashboard query over many events.

    .venv/bin/python -m bench.analytics [--events 10000000] [--beacons 20000] [--only ingest|query]

* bulk: one `DuckDBStore.append` of all the beacons at once (the store's best case);
* store: the same beacons as 50-event batches through `AnalyticsService.ingest` (parse, rate
  limit, the ingester's group commit), 8 at a time;
* gateway: the same batches as `POST /api/v1/analytics/beacons` through the in-process platform
  (the gateway's token check, routing, the service's route), 8 at a time;
  goal: gateway >= 0.5x bulk;
* query: `GET /api/v1/analytics/qoe` as the store runs it over `--events` raw beacons (views of
  6 events over 30 days): p50/p95 and CPU per query over 20 runs, for the whole range and one
  day, as `/qoe` answers (time buckets) and from the per-view rollup alone (the reference);
  goal: p95 <= 200 ms embedded.

The load average is printed beside each figure (the machine is shared) and CPU seconds of this
process beside wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench._proc import load_average
from bench._report import write_section
from cinemesh.analytics.domain import Beacon, Period, ReportFilter, Viewer, parse_beacons
from cinemesh.analytics.service import AnalyticsService
from cinemesh.analytics.store import PendingBatch, qoe, rollup
from cinemesh.analytics.store.duck import DuckDBStore
from cinemesh.platform.background import TaskSet

BATCH = 50
CONCURRENCY = 8
KINDS = ("play_requested", "first_frame", "bitrate_switch", "rebuffer_start", "rebuffer_end", "exit")
T0 = int(time.time() * 1000) - 3_600_000


def batches(count: int) -> list[list[dict[str, Any]]]:
    """`count` beacons as batches of one session each (6 events a view)."""
    events: list[dict[str, Any]] = []
    for n in range(count):
        sid = f"s{uuid.uuid4().hex[:12]}" if n % 6 == 0 else events[-1]["sid"]
        events.append(
            {
                "id": f"e{n}",
                "e": KINDS[n % 6],
                "ts": T0 + n,
                "sid": sid,
                "cid": f"t{n % 500}",
                "br": 1000 + n % 4000,
            }
        )
    return [events[i : i + BATCH] for i in range(0, count, BATCH)]


async def timed(work: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    await work()
    return time.perf_counter() - wall, time.process_time() - cpu


async def fan_out(items: list[Any], call: Callable[[Any], Awaitable[None]]) -> None:
    queue = list(reversed(items))

    async def worker() -> None:
        while queue:
            await call(queue.pop())

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def bulk_and_store(count: int, tmp: Path) -> dict[str, tuple[float, float, str]]:
    now = dt.datetime.now(dt.UTC)
    viewer = Viewer(user_id="bench", country="FR")
    parsed: list[Beacon] = [
        b for batch in batches(count) for b in parse_beacons({"events": batch}, max_events=BATCH, now=now)[0]
    ]
    bulk = DuckDBStore(tmp / "bulk.duckdb")
    await bulk.start()
    wall, cpu = await timed(lambda: _append(bulk, viewer, parsed))
    results = {"bulk": (count / wall, cpu, load_average())}
    await bulk.close()
    store = DuckDBStore(tmp / "store.duckdb")
    service = AnalyticsService(store=store, max_batch_events=BATCH, session_events_per_minute=10**9)
    tasks = TaskSet("bench")
    await service.start(tasks)
    work = batches(count)

    async def one(batch: list[dict[str, Any]]) -> None:
        await service.ingest(viewer=viewer, batch={"events": batch}, now=now)

    wall, cpu = await timed(lambda: fan_out(work, one))
    results["store"] = (count / wall, cpu, load_average())
    assert (await store.counts())["beacons"] == count
    await tasks.stop()
    await store.close()
    return results


async def _append(store: DuckDBStore, viewer: Viewer, beacons: list[Beacon]) -> None:
    await store.append([PendingBatch(viewer, beacons)])


async def through_gateway(count: int, tmp: Path) -> tuple[float, float, str]:
    os.environ.update(
        CINEMESH_GATEWAY_WRITE_PER_USER="100000000",
        CINEMESH_GATEWAY_WRITE_PER_IP="100000000",
        CINEMESH_ANALYTICS_SESSION_EVENTS_PER_MINUTE="1000000000",
    )
    from cinemesh.composition import build_platform
    from cinemesh.platform.settings import Settings

    settings = Settings(data_dir=tmp / "platform", admin_password="bench-admin-password")
    platform = build_platform(settings)
    async with platform.router.lifespan_context(platform):
        transport = httpx.ASGITransport(app=platform)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            login = await client.post(
                "/api/v1/auth/login",
                json={"email": "admin@cinemesh.localhost", "password": "bench-admin-password"},
            )
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}

            async def one(batch: list[dict[str, Any]]) -> None:
                response = await client.post(
                    "/api/v1/analytics/beacons", json={"events": batch}, headers=auth
                )
                assert response.status_code == 202, response.text

            await fan_out(batches(500), one)  # warm up
            wall, cpu = await timed(lambda: fan_out(batches(count), one))
    return count / wall, cpu, load_average()


async def query(events: int, tmp: Path) -> dict[str, tuple[float, float, float, str]]:
    store = DuckDBStore(tmp / "query.duckdb")
    await store.start()
    span_ms = 30 * 86_400_000
    await store._write(
        lambda con: con.execute(
            f"""insert into analytics_beacons (sid, id, user_id, kind, ts, received_at, country, cid, br)
            select 's' || (i // 6), 'e' || i, 'u' || (i // 60), {list(KINDS)!r}[i % 6 + 1],
                {T0} - {span_ms} + i * {span_ms} // {events} + (i % 6) * 700,
                to_timestamp(({T0} - {span_ms} + (i // 6) * 6 * {span_ms} // {events}) / 1000),
                ['FR', 'US', 'DE'][i % 3 + 1], 't' || ((i // 6) % 500), 1000 + i % 4000
            from range({events}) r(i)"""
        )
    )
    rebuilt = await timed(lambda: store._write(rollup.rebuild))
    print(f"rollups rebuilt: {rebuilt[0]:.1f} s, CPU {rebuilt[1]:.1f} s, load {load_average()}")
    end = dt.datetime.fromtimestamp(T0 / 1000 + 3600, dt.UTC)
    results = {}
    for name, start in (("30 days", end - dt.timedelta(days=31)), ("1 day", end - dt.timedelta(days=1))):
        flt = ReportFilter(period=Period(start=start, end=end))
        for how, run in (("as /qoe answers", store.qoe), ("per view", _per_view(store))):
            await run(flt)  # warm
            samples, cpu = [], time.process_time()
            for _ in range(20):
                started = time.perf_counter()
                await run(flt)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            results[f"{name}, {how}"] = (
                statistics.median(samples),
                samples[int(0.95 * (len(samples) - 1) + 0.5)],
                (time.process_time() - cpu) * 1000 / 20,
                load_average(),
            )
    await store.close()
    return results


def _per_view(store: DuckDBStore) -> Callable[[ReportFilter], Awaitable[Any]]:
    async def run(flt: ReportFilter) -> Any:
        return await store._read(lambda con: qoe.per_view(con, flt))

    return run


def _met(goal: bool) -> str:
    return "met" if goal else "not met"


async def main(events: int, beacons: int, only: str | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        if only != "query":
            rates = await bulk_and_store(beacons, tmp)
            rates["gateway"] = await through_gateway(beacons, tmp)
            write_section("analytics-ingest", _ingest_text(rates, beacons))
        if only != "ingest":
            write_section("analytics-query", _query_text(await query(events, tmp), events))


def _ingest_text(rates: dict[str, tuple[float, float, str]], beacons: int) -> str:
    bulk, bulk_cpu = rates["bulk"][0], rates["bulk"][1]
    lines = [
        f"### Beacon ingestion, {beacons:,} beacons in batches of {BATCH}, {CONCURRENCY} at a time",
        "",
        "| path | beacons/s | vs bulk | CPU s | vs bulk, CPU time | load average (1/5/15 min) |",
        "|---|---|---|---|---|---|",
        *(
            f"| {name} | {rate:,.0f} | {rate / bulk:.2f}x | {cpu:.2f} | {bulk_cpu / cpu:.2f}x | {load} |"
            for name, (rate, cpu, load) in rates.items()
        ),
        "",
        f"Goal: through the gateway >= 0.5x bulk (CPU time): {_met(bulk_cpu / rates['gateway'][1] >= 0.5)}.",
    ]
    print("\n".join(lines))
    return "\n".join(lines)


def _query_text(latencies: dict[str, tuple[float, float, float, str]], events: int) -> str:
    served = [p95 for name, (_, p95, _, _) in latencies.items() if name.endswith("/qoe answers")]
    lines = [
        f"### QoE query (`/analytics/qoe`) over {events:,} raw beacons "
        f"({events // 6:,} views over 30 days), 20 runs",
        "",
        "| period, answered from | p50 ms | p95 ms | CPU ms per query | load average (1/5/15 min) |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {p50:.0f} | {p95:.0f} | {cpu:.0f} | {load} |"
            for name, (p50, p95, cpu, load) in latencies.items()
        ),
        "",
        f"Goal: p95 <= 200 ms (as `/qoe` answers): {_met(max(served) <= 200)}.",
    ]
    print("\n".join(lines))
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--beacons", type=int, default=20_000)
    parser.add_argument("--only", choices=("ingest", "query"), help="run one half of the bench")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.beacons, arguments.only))
