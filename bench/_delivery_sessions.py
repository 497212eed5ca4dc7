"""The playback-session half of bench.delivery_origin: session creation against a running origin
(latency, the origin's CPU per session read from /proc, the load average), and a race that proves
the plan's stream limit still exact."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from tests.fixtures._net import free_port, wait_until

from bench._proc import tree_cpu_seconds

SESSIONS = 200
SESSION_CONCURRENCY = 8
RACE_ATTEMPTS = 6  # concurrent starts per racing viewer, whose plan (standard) allows 2

ADMIN_DSN = os.environ.get("CINEMESH_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")

Viewer = tuple[str, str, str]  # (bearer token, profile id, device id)


@dataclass(frozen=True)
class SessionFigures:
    database: str
    p50_ms: float
    p99_ms: float
    cpu_ms_per_session: float
    load: float
    race: str  # "2 of 6 for every viewer" when the limit held

    def row(self) -> str:
        return (
            f"| {self.database} | {self.p50_ms:.1f} | **{self.p99_ms:.1f}** | {self.cpu_ms_per_session:.2f} "
            f"| {self.race} | {self.load:.1f} |"
        )


def _body(content_id: str, viewer: Viewer) -> dict[str, str]:
    return {"content_id": content_id, "profile_id": viewer[1], "device_id": viewer[2]}


async def _create(base: str, content_id: str, viewers: list[Viewer]) -> list[float]:
    limit = asyncio.Semaphore(SESSION_CONCURRENCY)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one(index: int) -> None:
            viewer = viewers[index % len(viewers)]
            async with limit:
                started = time.perf_counter()
                response = await client.post(
                    "/api/v1/playback",
                    json=_body(content_id, viewer),
                    headers={"Authorization": f"Bearer {viewer[0]}"},
                )
                latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise RuntimeError(f"session creation failed: {response.status_code} {response.text}")

        await asyncio.gather(*(one(i) for i in range(SESSIONS)))
    return latencies


async def _race(base: str, content_id: str, racers: list[Viewer]) -> str:
    """Every racer's starts at once; the plan allows 2, so exactly 2 of each may succeed."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        attempts = [
            client.post(
                "/api/v1/playback",
                json=_body(content_id, racer),
                headers={"Authorization": f"Bearer {racer[0]}"},
            )
            for racer in racers
            for _ in range(RACE_ATTEMPTS)
        ]
        responses = await asyncio.gather(*attempts)
    for index in range(len(racers)):
        codes = sorted(r.status_code for r in responses[index * RACE_ATTEMPTS : (index + 1) * RACE_ATTEMPTS])
        if codes != [201, 201] + [409] * (RACE_ATTEMPTS - 2):
            raise RuntimeError(f"the stream limit did not hold: {codes}")
    return f"exact: 2 of {RACE_ATTEMPTS} for each of {len(racers)} viewers"


def measure(
    database: str, base: str, server_pid: int, content_id: str, viewers: list[Viewer], racers: list[Viewer]
) -> SessionFigures:
    """Creates SESSIONS sessions at SESSION_CONCURRENCY; CPU is the origin process tree's."""
    cpu_before = tree_cpu_seconds(server_pid)
    latencies = asyncio.run(_create(base, content_id, viewers))
    cpu = tree_cpu_seconds(server_pid) - cpu_before
    load = os.getloadavg()[0]
    race = asyncio.run(_race(base, content_id, racers))
    quantiles = statistics.quantiles(latencies, n=100)
    return SessionFigures(
        database=database,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=quantiles[98] * 1000,
        cpu_ms_per_session=cpu / SESSIONS * 1000,
        load=load,
        race=race,
    )


def markdown(figures: list[SessionFigures]) -> str:
    return (
        f"Playback-session creation ({SESSIONS} sessions, concurrency {SESSION_CONCURRENCY}, every rule "
        "checked, started event in the outbox; CPU of the origin process per session; then "
        f"{RACE_ATTEMPTS} racing starts per standard-plan viewer). Goal: p99 <= 150 ms.\n\n"
        "| database | p50 ms | p99 ms | CPU ms/session | stream limit | load (1 min) |\n"
        "|---|---:|---:|---:|---|---:|\n" + "\n".join(f.row() for f in figures) + "\n"
    )


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_DSN, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def on_postgres(
    prepare: Callable[[], tuple[list[Viewer], list[Viewer]]],
    serve: Callable[[int], subprocess.Popen[bytes]],
    content_id: str,
) -> SessionFigures:
    """The session run on an origin whose database is PostgreSQL (a throwaway database):
    `prepare` projects the viewers into it, `serve` starts the origin on a port."""
    name = f"cinemesh_bench_delivery_{os.getpid()}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    server = ADMIN_DSN.removeprefix("postgresql://").rsplit("/", 1)[0]
    os.environ["CINEMESH_DATABASE_URL"] = f"postgresql+asyncpg://{server}/{name}"
    try:
        viewers, racers = prepare()
        port = free_port()
        origin = serve(port)
        try:
            if not wait_until(lambda: _ready(f"http://127.0.0.1:{port}/readyz"), timeout=30):
                raise RuntimeError("origin (PostgreSQL) did not start")
            return measure("PostgreSQL", f"http://127.0.0.1:{port}", origin.pid, content_id, viewers, racers)
        finally:
            origin.terminate()
            origin.wait(timeout=10)
    finally:
        del os.environ["CINEMESH_DATABASE_URL"]
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
