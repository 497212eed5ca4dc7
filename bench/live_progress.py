"""Latency of live progress: worker commit -> event on the bus -> media's follower -> the SSE
stream -> the gateway -> a client, for every event of a few real transcodes.

Starts `cinemesh up` on a temporary data dir (embedded shape, heartbeat 1 s so progress events
come often), uploads `--runs` short clips one after another, each followed by a stream opened
before its last byte, then reads the `media.video` log from the beginning: each envelope's
`time` is when the worker recorded it, in the transaction that wrote the row. A stream event is
matched to the envelope that caused it (same video; progress by percent, the ladder by
`complete`, `failed`/`ready` by type). Prints the latencies; writes nothing.

    .venv/bin/python -m bench.live_progress [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from cinemesh.platform.events.embedded import EmbeddedEventBus

CINEMESH = str(Path(sys.executable).with_name("cinemesh"))
EMAIL, PASSWORD = "bench@cinemesh.test", "bench-password-live"
TUS = {"Tus-Resumable": "1.0.0"}


def make_clip(out: Path) -> None:
    import imageio_ffmpeg

    source = ["-f", "lavfi", "-i", "testsrc2=s=854x480:r=25:d=8", "-f", "lavfi", "-i", "sine=d=8"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", *source, *encode, str(out)]
    subprocess.run(command, check=True, timeout=120)


async def follow(
    client: httpx.AsyncClient, video_id: str, seen: list[tuple[str, dict[str, Any], float]]
) -> None:
    async with client.stream("GET", f"/api/v1/videos/{video_id}/events", timeout=None) as response:
        name, data = "message", ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and data:
                seen.append((name, json.loads(data), time.time()))
                name, data = "message", ""


async def one_run(
    client: httpx.AsyncClient, clip: bytes
) -> tuple[str, list[tuple[str, dict[str, Any], float]]]:
    title = await client.post("/api/v1/titles", json={"title": "Bench live", "type": "movie"})
    meta = "title_id " + base64.b64encode(title.json()["id"].encode()).decode()
    created = await client.post(
        "/api/v1/uploads", headers={**TUS, "Upload-Length": str(len(clip)), "Upload-Metadata": meta}
    )
    location = created.headers["location"]
    video_id = location.rsplit("/", 1)[-1]
    seen: list[tuple[str, dict[str, Any], float]] = []
    stream = asyncio.create_task(follow(client, video_id, seen))
    while not seen:
        await asyncio.sleep(0.02)
    headers = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    assert (await client.patch(location, content=clip, headers=headers)).status_code == 204
    await asyncio.wait_for(stream, 600)
    return video_id, seen


async def envelopes(data_dir: Path) -> list[Any]:
    bus = EmbeddedEventBus(data_dir / "events.db")
    await bus.start()
    try:
        subscription = bus.subscribe(f"bench.live.{time.time_ns()}", ["media.video"])
        records = []
        while batch := await subscription.fetch(timeout=0.5):
            records.extend(batch)
        await subscription.close()
        return [record.envelope for record in records]
    finally:
        await bus.close()


def latencies(
    runs: list[tuple[str, list[tuple[str, dict[str, Any], float]]]], log: list[Any]
) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"progress": [], "renditions": [], "ready": []}
    for video_id, seen in runs:
        mine = [e for e in log if e.subject == video_id]
        for name, data, at in seen:
            cause = None
            if name == "progress":
                cause = next(
                    (
                        e
                        for e in mine
                        if e.type == "media.job.progress.v1" and e.data["percent"] == data["progress"]
                    ),
                    None,
                )
            elif name == "renditions":
                cause = next(
                    (
                        e
                        for e in mine
                        if e.type == "media.video.transcoded.v1" and e.data["complete"] == data["complete"]
                    ),
                    None,
                )
            elif name == "status" and data["status"] == "ready":
                cause = next(
                    (e for e in mine if e.type == "media.video.transcoded.v1" and e.data["complete"]), None
                )
                name = "ready"
            if cause is not None and name in found:
                found[name].append((at - cause.time.timestamp()) * 1000)
    return found


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        data_dir = Path(tmp) / "data"
        clip_path = Path(tmp) / "clip.mp4"
        make_clip(clip_path)
        port = 8790
        env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMESH_")}
        env.update(
            CINEMESH_DATA_DIR=str(data_dir),
            CINEMESH_PORT=str(port),
            CINEMESH_DEMO="false",
            CINEMESH_ADMIN_EMAIL=EMAIL,
            CINEMESH_ADMIN_PASSWORD=PASSWORD,
            CINEMESH_LOG_LEVEL="WARNING",
            CINEMESH_MEDIA_HEARTBEAT_SECONDS="1",
        )
        server = subprocess.Popen(
            [CINEMESH, "up"], env=env, stdout=subprocess.DEVNULL, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                for _ in range(600):
                    try:
                        if (await client.get("/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)
                login = await client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
                client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
                done = [await one_run(client, clip_path.read_bytes()) for _ in range(runs)]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        found = latencies(done, await envelopes(data_dir))
    load = os.getloadavg()[0]
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {runs} transcodes, load average {load:.1f}")
    for name, values in found.items():
        if values:
            ordered = sorted(values)
            p50 = statistics.median(ordered)
            print(f"{name:>10}: n={len(ordered):3d}  p50 {p50:6.0f} ms  max {ordered[-1]:6.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
