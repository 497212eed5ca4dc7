"""Delivery origin: 1 MB segment requests/s and p99, the embedded origin against nginx serving
the same files directly (same run, same machine); an edge hit against the origin; and the p99 of
playback-session creation.

* origin: the delivery service under granian (1 worker, ASGI, `http.response.pathsend`, so the
  file goes out by sendfile), every request through token validation and the servability gate;
* nginx: the same files from the same directory (1 worker, sendfile), no token check;
* edge: deploy/edge/ (1 worker) in front of the origin, the segment cached (X-Cache-Status HIT);
* sessions: POST /api/v1/playback over HTTP with bounded concurrency, every rule checked, on
  SQLite and on PostgreSQL (bench/_delivery_sessions.py), then a race on the stream limit.

Every figure carries the CPU the server spent per request (its process tree, from /proc) and the
1-minute load average: the machine is shared, and CPU per request is what a ratio can trust.

Load: wrk on loopback, fixed connections and duration (bounded). Run:
`.venv/bin/python -m bench.delivery_origin` (needs scripts/install-system-deps.sh).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from tests.fixtures._net import free_port, wait_until
from tests.fixtures.edge import nginx_binary, running_edge

from bench import _delivery_sessions as sessions
from bench._proc import tree_cpu_seconds
from bench._report import write_section

SEGMENT_BYTES = 1024 * 1024
SEGMENTS = 16
VIDEO_ID = "0192f000-0000-7000-8000-0000000b3e4c"
CONTENT_ID = "0192f000-0000-7000-8000-0000000c0417"
SECRET = "bench-signing-secret-0123456789abcdefghijkl"
CONNECTIONS = 16
DURATION = os.environ.get("BENCH_DURATION", "6s")
VIEWERS = 50  # premium: 4 streams each
RACERS = 4  # standard: 2 streams each, raced for


def origin_app() -> FastAPI:
    """The granian factory: the delivery service on the bench's data dir and JWKS file."""
    from cinemesh.delivery.bootstrap import build_app
    from cinemesh.platform.settings import Settings

    jwks = json.loads(Path(os.environ["BENCH_JWKS"]).read_text())

    async def fetch() -> dict[str, Any]:
        return dict(jwks)

    return build_app(Settings(data_dir=Path(os.environ["BENCH_DATA_DIR"])), jwks_fetcher=fetch)


async def _prepare(data_dir: Path) -> tuple[list[sessions.Viewer], list[sessions.Viewer]]:
    """Segments on disk; title, video and viewers projected. Returns the viewers and the racers."""
    from cinemesh.contracts.catalog import AvailabilityWindow, TitlePublishedV1
    from cinemesh.contracts.media import Rendition, VideoTranscodedV1
    from cinemesh.contracts.publishing import to_envelope
    from cinemesh.contracts.users import DeviceChangedV1, ProfileChangedV1, SubscriptionChangedV1
    from cinemesh.platform.ids import new_id_str
    from cinemesh.platform.tokens import SigningKey, TokenIssuer

    rendition_dir = data_dir / "objects" / "data" / "videos" / VIDEO_ID / "hls" / "720p"
    rendition_dir.mkdir(parents=True)
    for index in range(SEGMENTS):
        (rendition_dir / f"seg_{index:05d}.m4s").write_bytes(os.urandom(SEGMENT_BYTES))
    (rendition_dir / "init.mp4").write_bytes(b"\0" * 1024)
    (rendition_dir / "playlist.m3u8").write_text(
        '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init.mp4"\n'
        + "".join(f"#EXTINF:4.0,\nseg_{i:05d}.m4s\n" for i in range(SEGMENTS))
        + "#EXT-X-ENDLIST\n"
    )
    master = rendition_dir.parent / "master.m3u8"
    master.write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\n720p/playlist.m3u8\n"
    )
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=3600)
    (data_dir / "jwks.json").write_text(json.dumps(issuer.jwks()))
    os.environ["BENCH_JWKS"] = str(data_dir / "jwks.json")
    os.environ["BENCH_DATA_DIR"] = str(data_dir)
    now = dt.datetime.now(dt.UTC)
    prefix = f"videos/{VIDEO_ID}/"
    events: list[Any] = [
        VideoTranscodedV1(
            video_id=VIDEO_ID, title_id=CONTENT_ID, duration_seconds=64.0, storage_prefix=prefix,
            hls_master_key=prefix + "hls/master.m3u8", dash_manifest_key=None,
            renditions=[Rendition(height=720, width=1280, bitrate=2_000_000, average_bitrate=2_000_000,
                                  codecs="avc1.64001f", frame_rate=24.0,
                                  playlist_key=prefix + "hls/720p/playlist.m3u8",
                                  init_key=prefix + "hls/720p/init.mp4")],
            complete=False, transcoded_at=now,
        ),
        TitlePublishedV1(
            title_id=CONTENT_ID, content_id=CONTENT_ID, content_type="movie", maturity_rating="PG",
            video_id=VIDEO_ID, published_at=now,
            windows=[AvailabilityWindow(country="US", starts_at=now - dt.timedelta(days=1))],
        ),
    ]  # fmt: skip
    viewers: list[sessions.Viewer] = []
    for index in range(VIEWERS + RACERS):
        tier = "premium" if index < VIEWERS else "standard"
        user, profile, device = new_id_str(), new_id_str(), new_id_str()
        events += [
            ProfileChangedV1(user_id=user, profile_id=profile, change="created", name="p", is_kids=False,
                             is_main=True, max_maturity_rating=None, pin_required=False, changed_at=now),
            DeviceChangedV1(user_id=user, device_id=device, change="registered", device_type="tv",
                            changed_at=now),
            SubscriptionChangedV1(user_id=user, tier=tier, status="active", changed_at=now),
        ]  # fmt: skip
        viewers.append(
            (issuer.issue(user_id=user, roles=["viewer"], extra={"country": "US"}), profile, device)
        )
    app = origin_app()
    async with app.router.lifespan_context(app):
        database = app.state.runtime.database
        async with database.transaction() as session:
            for event in events:
                await app.state.runtime.subscriptions[0].handler(session, to_envelope(event, source="bench"))
    return viewers[:VIEWERS], viewers[VIEWERS:]


def _segment_path() -> str:
    from cinemesh.delivery.origin.signing import UrlSigner

    scope = f"videos/{VIDEO_ID}/hls/720p/"
    return UrlSigner(SECRET.encode()).url(scope, scope + "seg_00003.m4s", expires=int(time.time()) + 3600)


def _seconds(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group())  # type: ignore[union-attr]
    unit = value[len(re.match(r"[\d.]+", value).group()) :]  # type: ignore[union-attr]
    return number * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


@dataclass(frozen=True)
class Load:
    rps: float
    p99: float
    cpu_ms: float  # the server's CPU per request
    load: float  # 1-minute load average when the run ended


def wrk(url: str, server_pid: int) -> Load:
    """Requests/s, p99 and the server's CPU per request for GETs of `url`."""
    cpu_before = tree_cpu_seconds(server_pid)
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    cpu = tree_cpu_seconds(server_pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = _seconds(re.search(r"99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses\n{output}")
    return Load(rps, p99, cpu / max(requests, 1) * 1000, os.getloadavg()[0])


def _nginx_static(prefix: Path, root: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = prefix / "nginx.conf"
    user = "user root;" if os.getuid() == 0 else ""
    conf.write_text(
        f"{user}\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;\n"
        f"  client_body_temp_path {prefix}/cb; proxy_temp_path {prefix}/pt; fastcgi_temp_path {prefix}/ft;\n"
        f"  uwsgi_temp_path {prefix}/ut; scgi_temp_path {prefix}/st;\n"
        f"  server {{ listen 127.0.0.1:{port}; location /files/ {{ alias {root}/; }} }} }}\n"
    )
    process = subprocess.Popen([nginx_binary(), "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])
    if not wait_until(
        lambda: _ok(f"http://127.0.0.1:{port}/files/videos/{VIDEO_ID}/hls/master.m3u8"), timeout=15
    ):
        raise RuntimeError("nginx (static) did not start")
    return process, port


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _granian(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    granian = str(Path(sys.executable).with_name("granian"))
    return subprocess.Popen(
        [granian, "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-ws", "--log-level", "warning", "bench.delivery_origin:origin_app"],
        env=env,
    )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _edge_pid(prefix: Path) -> int:
    return int((prefix / "nginx.pid").read_text().strip())


def _segments(
    work: Path, data_dir: Path, viewers: list[sessions.Viewer], racers: list[sessions.Viewer]
) -> tuple[str, sessions.SessionFigures]:
    """Segments from nginx, the origin and the edge; then the sessions on the origin (SQLite)."""
    origin_port = free_port()
    origin = _granian(origin_port, {**os.environ})
    (work / "static").mkdir()
    static, static_port = _nginx_static(work / "static", data_dir / "objects" / "data")
    try:
        path = _segment_path()
        if not wait_until(lambda: _ok(f"http://127.0.0.1:{origin_port}{path}"), timeout=30):
            raise RuntimeError("origin did not start")
        direct = wrk(
            f"http://127.0.0.1:{static_port}/files/videos/{VIDEO_ID}/hls/720p/seg_00003.m4s", static.pid
        )
        served = wrk(f"http://127.0.0.1:{origin_port}{path}", origin.pid)
        (work / "edge").mkdir()
        with running_edge(work / "edge", origin=f"127.0.0.1:{origin_port}", signing_secret=SECRET) as edge:
            httpx.get(edge.base_url + path)  # fill the cache
            hit = httpx.get(edge.base_url + path)
            if hit.headers.get("x-cache-status") != "HIT":
                raise RuntimeError(f"the edge did not cache the segment: {hit.headers}")
            cached = wrk(edge.base_url + path, _edge_pid(edge.prefix))
        figures = sessions.measure(
            "SQLite", f"http://127.0.0.1:{origin_port}", origin.pid, CONTENT_ID, viewers, racers
        )
    finally:
        _stop(origin)
        _stop(static)
    rows = [
        ("nginx, files directly (baseline)", direct, 1.0),
        ("origin: delivery on granian (token + gate + sendfile)", served, served.rps / direct.rps),
        ("edge hit: nginx cache in front of the origin", cached, cached.rps / direct.rps),
    ]
    table = "\n".join(
        f"| {name} | {r.rps:,.0f} | {r.rps * SEGMENT_BYTES * 8 / 1e9:.1f} | {r.p99 * 1000:.1f} "
        f"| {ratio:.2f}x | {r.cpu_ms:.3f} | {r.load:.1f} |"
        for name, r, ratio in rows
    )
    return (
        f"1 MiB segments, wrk {CONNECTIONS} connections for {DURATION}, loopback, 1 worker each.\n\n"
        "| server | requests/s | Gbit/s | p99 ms | vs nginx | server CPU ms/request | load (1 min) |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
        f"{table}\n\n"
        f"Origin vs nginx: **{served.rps / direct.rps:.2f}x** (goal >= 0.6x); its CPU per request "
        f"{served.cpu_ms / max(direct.cpu_ms, 1e-9):.1f}x nginx's. "
        f"Edge hit vs origin: **{cached.rps / served.rps:.2f}x**.\n\n"
    ), figures


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run scripts/install-system-deps.sh")
    with tempfile.TemporaryDirectory(prefix="cinemesh-bench-delivery-") as temp:
        work = Path(temp)
        data_dir = work / "data"
        os.environ["CINEMESH_DELIVERY_SIGNING_SECRET"] = SECRET
        os.environ["CINEMESH_DELIVERY_HLS_AES128"] = "false"
        os.environ.pop("CINEMESH_DATABASE_URL", None)
        viewers, racers = asyncio.run(_prepare(data_dir))
        segments, sqlite = _segments(work, data_dir, viewers, racers)
        postgres = sessions.on_postgres(
            lambda: asyncio.run(_prepare(work / "pg")),
            lambda port: _granian(port, {**os.environ}),
            CONTENT_ID,
        )
    markdown = segments + sessions.markdown([sqlite, postgres])
    print(markdown)
    write_section("delivery_origin", markdown)


if __name__ == "__main__":
    main()
