"""Viewing history: what a progress report costs and how fast another device sees it.

    .venv/bin/python -m bench.history_sync [--reports 300] [--kafka]

Against `cinemesh up --no-demo` (embedded: one process, SQLite, the embedded event log):

* reports/s: `POST /api/v1/playback/{id}/heartbeat {position_seconds}` through the gateway (the
  progress report: delivery's session update plus its event, history's coalesced row and
  stream wake-up after) against the same heartbeat without a position (the authenticated
  keep-alive: the same HTTP, token check and session update, no report), alternating in
  rounds on one connection; the ratio is the goal (>= 0.8x);
* report-to-other-device latency: a second client follows the profile's history stream
  (`GET /api/v1/history/stream`, SSE through the gateway) and each report's time until its
  `progress` event arrives, p50/p99 (goal p99 <= 1 s);
* CPU ms per request of the `cinemesh up` process (utime + stime from /proc, each round plus a
  second to settle, so the relay's and the consumer's work after a report counts): steadier
  than requests/s on this shared machine;
* `--kafka`: the same against `cinemesh up` on PostgreSQL and a Kafka-protocol broker (Tansu,
  as the tests start it), the report-to-other-device latency through Kafka.

Sequential requests on one connection (a player reports one at a time); the load average is
printed beside the figures (this machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass

import httpx
import orjson

from bench._history_platform import kafka_env, running_platform, viewer_session
from bench._proc import load_average, tree_cpu_seconds
from bench._report import write_section
from cinemesh.platform.settings import Settings

ROUNDS = 3
SETTLE_SECONDS = 1.0  # after a round: the relay and the consumer finish what it started


@dataclass(frozen=True)
class Round:
    per_second: float
    cpu_ms: float  # the server's CPU per request, the round's tail of async work included


async def rate(
    client: httpx.AsyncClient,
    url: str,
    auth: dict[str, str],
    *,
    count: int,
    report: bool,
    start: float,
    pid: int,
) -> Round:
    cpu = tree_cpu_seconds(pid)
    began = time.perf_counter()
    for index in range(count):
        body = {"position_seconds": start + index} if report else None
        response = await client.post(url, json=body, headers=auth)
        assert response.status_code == 200, response.text
    elapsed = time.perf_counter() - began
    await asyncio.sleep(SETTLE_SECONDS)
    return Round(count / elapsed, 1000 * (tree_cpu_seconds(pid) - cpu) / count)


async def latencies(
    client: httpx.AsyncClient, url: str, auth: dict[str, str], profile_id: str, count: int
) -> list[float]:
    arrived: dict[float, float] = {}
    ready = asyncio.Event()

    async def follow() -> None:
        async with client.stream(
            "GET", "/api/v1/history/stream", params={"profile_id": profile_id}, headers=auth, timeout=None
        ) as stream:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                    ready.set()
                elif line.startswith("data: ") and event == "progress":
                    arrived.setdefault(orjson.loads(line[6:])["position_seconds"], time.perf_counter())

    follower = asyncio.create_task(follow())
    await ready.wait()
    found = []
    for index in range(count):
        position = 50_000.0 + index
        sent = time.perf_counter()
        await client.post(url, json={"position_seconds": position}, headers=auth)
        while position not in arrived and time.perf_counter() - sent < 5:
            await asyncio.sleep(0.001)
        found.append(arrived.get(position, sent + 5) - sent)
    follower.cancel()
    return found


@dataclass(frozen=True)
class Figures:
    shape: str
    reports: float
    keep_alive: float
    report_cpu_ms: float
    keep_alive_cpu_ms: float
    p50: float
    p99: float
    samples: int
    load: str  # at the start of the shape's run
    load_after: str


async def measure(shape: str, base_url: str, settings: Settings, reports: int, server_pid: int) -> Figures:
    load = load_average()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        auth, session_id, profile_id = await viewer_session(client, settings)
        url = f"/api/v1/playback/{session_id}/heartbeat"
        with_report: list[Round] = []
        keep_alive: list[Round] = []
        for round_ in range(ROUNDS):
            measured = {"pid": server_pid, "count": reports}
            keep_alive.append(await rate(client, url, auth, **measured, report=False, start=0))
            start = 1000.0 * (round_ + 1)
            with_report.append(await rate(client, url, auth, **measured, report=True, start=start))
        delays = await latencies(client, url, auth, profile_id, reports // 3)
    return Figures(
        shape=shape,
        reports=statistics.median(r.per_second for r in with_report),
        keep_alive=statistics.median(r.per_second for r in keep_alive),
        report_cpu_ms=statistics.median(r.cpu_ms for r in with_report),
        keep_alive_cpu_ms=statistics.median(r.cpu_ms for r in keep_alive),
        p50=statistics.median(delays),
        p99=statistics.quantiles(delays, n=100)[98],
        samples=len(delays),
        load=load,
        load_after=load_average(),
    )


def report(results: list[Figures]) -> str:
    lines = [
        "| shape | report req/s | keep-alive req/s | ratio req/s | report CPU ms/req "
        "| keep-alive CPU ms/req | ratio CPU | goal | report to other device p50 / p99 (n) "
        "| load average start / end |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for f in results:
        lines.append(
            f"| {f.shape} | {f.reports:.0f} | {f.keep_alive:.0f} | {f.reports / f.keep_alive:.2f}x "
            f"| {f.report_cpu_ms:.1f} | {f.keep_alive_cpu_ms:.1f} "
            f"| {f.keep_alive_cpu_ms / f.report_cpu_ms:.2f}x | >= 0.8x, p99 <= 1 s "
            f"| {1000 * f.p50:.0f} / {1000 * f.p99:.0f} ms ({f.samples}) | {f.load} ; {f.load_after} |"
        )
    return (
        "\n".join(lines)
        + "\n\nA progress report (`POST /api/v1/playback/{id}/heartbeat {position_seconds}` through "
        "the gateway) against the same heartbeat without a position (the authenticated keep-alive), "
        f"{ROUNDS} alternating rounds on one connection, medians. Ratios compare the report with the "
        "keep-alive (report over keep-alive req/s; keep-alive over report CPU): 1.0x, a report costs "
        "no more than the HTTP. CPU: the `cinemesh up` process's utime + "
        f"stime per request, each round plus {SETTLE_SECONDS:.0f} s to settle (the relay's and the "
        "consumer's work counts). Latency: report to the `progress` event on a second client's "
        "history stream (SSE through the gateway). embedded: SQLite and the embedded event log; "
        "kafka: PostgreSQL and a Kafka-protocol broker (Tansu), still one `cinemesh up` process. "
        "The kafka CPU column is the `cinemesh up` process only (PostgreSQL's and the broker's work "
        "is not in it).\n"
    )


def run_shape(shape: str, reports: int, extra_env: dict[str, str]) -> Figures:
    with running_platform(extra_env) as (base_url, settings, pid):
        return asyncio.run(measure(shape, base_url, settings, reports, pid))


def run_kafka(reports: int) -> Figures:
    with kafka_env() as extra_env:
        return run_shape("kafka", reports, extra_env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--kafka", action="store_true", help="also the PostgreSQL + Kafka shape")
    args = parser.parse_args()
    results = [run_shape("embedded", args.reports, {})]
    print(report(results))
    if args.kafka:
        results.append(run_kafka(args.reports))
    table = report(results)
    print(table)
    write_section("history_sync", table)


if __name__ == "__main__":
    main()
