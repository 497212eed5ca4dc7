"""The platform `bench/history_sync.py` measures: `cinemesh up` in a process of its own (embedded,
or on PostgreSQL and a Kafka-protocol broker), and a viewer with a playback session on it."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.fixtures._net import free_port, wait_until
from tests.fixtures.cmaf import generate
from tests.fixtures.platform import GENEROUS_RATE_LIMITS

from cinemesh.contracts.catalog import AvailabilityWindow, TitlePublishedV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.users import DeviceChangedV1, SubscriptionChangedV1
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings


def platform_settings(env: dict[str, str]) -> Settings:
    """The platform's own settings (its bus and data dir), from the env it was started with."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("CINEMESH_")})
    try:
        return Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def publish(settings: Settings, events: list[EventContract]) -> None:
    bus = build_event_bus(settings)
    await bus.start()
    try:
        await bus.publish_many([(e.topic, to_envelope(e, source="bench")) for e in events])
    finally:
        await bus.close()


async def viewer_session(client: httpx.AsyncClient, settings: Settings) -> tuple[dict[str, str], str, str]:
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
    video = generate(settings.data_dir.parent / "cmaf", video_id=video_id, title_id=content_id)
    now = dt.datetime.now(dt.UTC)
    await publish(
        settings,
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


@contextmanager
def running_platform(extra_env: dict[str, str]) -> Iterator[tuple[str, Settings, int]]:
    """`cinemesh up --no-demo` with `extra_env`: its base URL, its settings and its pid."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMESH_")}
        env.update(
            CINEMESH_DATA_DIR=str(Path(tmp) / "data"),
            CINEMESH_PORT=str(port),
            CINEMESH_DEMO="false",
            CINEMESH_LOG_LEVEL="WARNING",
            # The gateway's limits stay on (their cost is in both figures), set past the run's rate.
            **GENEROUS_RATE_LIMITS,
            **extra_env,
        )
        command = [str(Path(sys.executable).parent / "cinemesh"), "up", "--no-demo"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: _answers(port), timeout=180)
            yield f"http://127.0.0.1:{port}", platform_settings(env), process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


async def _drop_databases(prefix: str) -> None:
    import asyncpg

    connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}_%")
        for row in rows:
            await connection.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await connection.close()


@contextmanager
def kafka_env() -> Iterator[dict[str, str]]:
    """A Tansu broker of its own (as the tests start it) and PostgreSQL databases of their own
    (dropped after): the settings of the PostgreSQL + Kafka shape."""
    from tests.fixtures.kafka import tansu_broker

    prefix = f"cinemesh_bench_{uuid.uuid4().hex[:8]}"
    with tansu_broker() as bootstrap:
        try:
            yield {
                "CINEMESH_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{prefix}_{{service}}",
                "CINEMESH_EVENT_BUS": "kafka",
                "CINEMESH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "CINEMESH_KAFKA_TOPIC_PREFIX": f"{prefix}.",
            }
        finally:
            asyncio.run(_drop_databases(prefix))


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/titles", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
