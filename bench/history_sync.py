"""Viewing history: what a progress report costs and how fast another device sees it.

    .venv/bin/python -m bench.history_sync [--reports 300]

Against `cinemesh up --no-demo` (embedded: one process, SQLite, the embedded event log):

* reports/s: `POST /api/v1/playback/{id}/heartbeat {position_seconds}` through the gateway (the
  progress report: delivery's session update plus its event, history's coalesced row and
  stream wake-up after) against the same heartbeat without a position (the authenticated
  keep-alive: the same HTTP, token check and session update, no report), alternating in
  rounds on one connection; the ratio is the goal (>= 0.8x);
* report-to-other-device latency: a second client follows the profile's history stream
  (`GET /api/v1/history/stream`, SSE through the gateway) and each report's time until its
  `progress` event arrives, p50/p99 (goal p99 <= 1 s).

Sequential requests on one connection (a player reports one at a time); the load average is
printed beside the figures (this machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from tests.fixtures._net import free_port, wait_until
from tests.fixtures.cmaf import generate

from bench._proc import load_average
from bench._report import write_section
from cinemesh.contracts.catalog import AvailabilityWindow, TitlePublishedV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.users import DeviceChangedV1, SubscriptionChangedV1
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings

ROUNDS = 3


async def publish(data_dir: Path, events: list[EventContract]) -> None:
    bus = build_event_bus(Settings(data_dir=data_dir))
    await bus.start()
    try:
        await bus.publish_many([(e.topic, to_envelope(e, source="bench")) for e in events])
    finally:
        await bus.close()


async def viewer_session(client: httpx.AsyncClient, data_dir: Path) -> tuple[dict[str, str], str, str]:
    suffix = uuid.uuid4().hex[:8]
    account = {
        "email": f"b-{suffix}@example.com",
        "username": f"b_{suffix}",
        "password": "bench pass 1234",
        "country": "US",
    }
    user_id = (await client.post("/api/v1/auth/register", json=account)).json()["user_id"]
    login = await client.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    profile = next(
        p for p in (await client.get("/api/v1/me/profiles", headers=auth)).json()["items"] if p["is_main"]
    )
    video_id, content_id, device_id = (str(uuid.uuid4()) for _ in range(3))
    video = generate(data_dir.parent / "cmaf", video_id=video_id, title_id=content_id)
    now = dt.datetime.now(dt.UTC)
    await publish(
        data_dir,
        [
            video.event.model_copy(update={"duration_seconds": 100_000.0}),
            TitlePublishedV1(
                title_id=content_id, content_id=content_id, content_type="movie", maturity_rating="PG",
                video_id=video_id, published_at=now,
                windows=[AvailabilityWindow(country="US", starts_at=now - dt.timedelta(days=1))],
            ),
            DeviceChangedV1(
                user_id=user_id, device_id=device_id, change="registered", device_type="web", changed_at=now
            ),
            SubscriptionChangedV1(user_id=user_id, tier="premium", status="active", changed_at=now),
        ],
    )  # fmt: skip
    body = {"content_id": content_id, "profile_id": profile["profile_id"], "device_id": device_id}
    for _ in range(300):
        started = await client.post("/api/v1/playback", json=body, headers=auth)
        if started.status_code == 201:
            return auth, started.json()["session_id"], profile["profile_id"]
        await asyncio.sleep(0.1)
    raise RuntimeError(f"no playback session: {started.text}")


async def rate(
    client: httpx.AsyncClient, url: str, auth: dict[str, str], count: int, *, report: bool, start: float
) -> float:
    began = time.perf_counter()
    for index in range(count):
        body = {"position_seconds": start + index} if report else None
        response = await client.post(url, json=body, headers=auth)
        assert response.status_code == 200, response.text
    return count / (time.perf_counter() - began)


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
    reports: float
    keep_alive: float
    p50: float
    p99: float
    samples: int


async def measure(base_url: str, data_dir: Path, reports: int) -> Figures:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        auth, session_id, profile_id = await viewer_session(client, data_dir)
        url = f"/api/v1/playback/{session_id}/heartbeat"
        with_report, keep_alive = [], []
        for round_ in range(ROUNDS):
            keep_alive.append(await rate(client, url, auth, reports, report=False, start=0))
            with_report.append(
                await rate(client, url, auth, reports, report=True, start=1000.0 * (round_ + 1))
            )
        delays = await latencies(client, url, auth, profile_id, reports // 3)
    return Figures(
        reports=statistics.median(with_report),
        keep_alive=statistics.median(keep_alive),
        p50=statistics.median(delays),
        p99=statistics.quantiles(delays, n=100)[98],
        samples=len(delays),
    )


def report(figures: Figures, load: str) -> str:
    ratio = figures.reports / figures.keep_alive
    return (
        "| measure | progress report | keep-alive heartbeat (no position) | ratio | goal |\n"
        "|---|---|---|---|---|\n"
        f"| requests/s through the gateway, one connection | {figures.reports:.0f} "
        f"| {figures.keep_alive:.0f} | {ratio:.2f}x | >= 0.8x |\n\n"
        f"Report to the other device's stream event ({figures.samples} reports, SSE through the "
        f"gateway): p50 {1000 * figures.p50:.0f} ms, p99 {1000 * figures.p99:.0f} ms (goal p99 <= 1 s). "
        f"Embedded shape (`cinemesh up`); load average {load} at the start.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMESH_")}
        env.update(
            CINEMESH_DATA_DIR=str(data_dir),
            CINEMESH_PORT=str(port),
            CINEMESH_DEMO="false",
            CINEMESH_LOG_LEVEL="WARNING",
        )
        command = [str(Path(sys.executable).parent / "cinemesh"), "up", "--no-demo"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: _answers(port), timeout=120)
            load = load_average()
            figures = asyncio.run(measure(f"http://127.0.0.1:{port}", data_dir, args.reports))
        finally:
            process.terminate()
            process.wait(timeout=30)
    table = report(figures, load)
    print(table)
    write_section("history_sync", table)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/titles", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
