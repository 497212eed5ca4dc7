"""Request path: small reads through `cinemesh up` against a minimal stack of the same parts.

    .venv/bin/python -m bench.request_path [--duration 5s] [--rounds 2]

* cinemesh: `cinemesh up --no-demo` (gateway + every service in one granian worker, SQLite),
  empty catalog; `GET /api/v1/titles` anonymous and with a bearer token, `GET /api/v1/me`;
* baseline (`bench/_baseline_app.py`): FastAPI on granian (1 worker), SQLAlchemy async +
  aiosqlite running one `SELECT ... LIMIT 24`, and an EdDSA JWT check when a token is sent.
  `/me` is held against the baseline's token request.

Load: wrk on loopback at 8 and 64 connections, fixed duration, the two servers alternating in
each round so machine noise hits both alike. Two figures per row: requests/s (wall clock, which
a loaded shared machine skews) and the server process's CPU time per request (utime + stime from
/proc over the run, divided by the requests wrk completed), which load skews far less. The load
average is printed beside each figure.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from tests.fixtures._net import free_port, wait_until

from bench._proc import load_average, tree_cpu_seconds
from bench._report import write_section
from cinemesh.platform.tokens import SigningKey, TokenIssuer

CONCURRENCIES = (8, 64)
ADMIN_PASSWORD = "bench-admin-password-0123"
UNREACHED_QUOTAS = {
    "CINEMESH_GATEWAY_READ_PER_USER": "1000000000",
    "CINEMESH_GATEWAY_READ_PER_IP": "1000000000",
}


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until(lambda: _answers(port), timeout=90)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/titles", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wrk(url: str, connections: int, duration: str, token: str | None) -> tuple[int, float]:
    """(2xx answers, seconds) of GETs of `url`."""
    headers = ["-H", f"Authorization: Bearer {token}"] if token else []
    threads = str(min(2, connections))
    output = subprocess.run(
        ["wrk", "-t", threads, "-c", str(connections), "-d", duration, "--timeout", "10s", *headers, url],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout  # fmt: skip
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if refused:  # counted out of the figures, and said aloud
        print(f"  {url} with {connections} connections: {refused.group(1)} answers were not 2xx", flush=True)
    found = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    if found is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    seconds = float(found.group(2)) / (1000 if found.group(3) == "ms" else 1)
    return max(1, int(found.group(1)) - (int(refused.group(1)) if refused else 0)), seconds


def measure(
    pid: int, url: str, connections: int, duration: str, token: str | None
) -> tuple[float, float, str]:
    """(requests/s, server CPU ms per request, load average) of one wrk run."""
    wrk(url, connections, "1s", token)  # warm up: connections, caches, JIT-free but lazy imports
    cpu_before = tree_cpu_seconds(pid)
    requests, seconds = wrk(url, connections, duration, token)
    cpu = tree_cpu_seconds(pid) - cpu_before
    return requests / seconds, cpu / requests * 1000, load_average()


def idle_share(pid: int, seconds: float = 5.0) -> float:
    """The server's CPU use with no request, as a share of one core: part of every figure."""
    before = tree_cpu_seconds(pid)
    time.sleep(seconds)
    return (tree_cpu_seconds(pid) - before) / seconds


def cinemesh_token(port: int) -> str:
    response = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/auth/login",
        json={"email": "admin@cinemesh.localhost", "password": ADMIN_PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def baseline_token(directory: Path) -> str:
    key = SigningKey.generate()
    public = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (directory / "public.pem").write_bytes(public)
    return TokenIssuer([key], ttl_seconds=3600).issue(
        user_id="bench", roles=["viewer"], extra={"country": "US"}
    )


Row = tuple[str, int, float, float, str, float, float, str]


def run(duration: str, rounds: int) -> tuple[list[Row], dict[str, float]]:
    venv = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        base_dir, data_dir = Path(tmp) / "baseline", Path(tmp) / "cinemesh"
        base_dir.mkdir()
        base_port, port = free_port(), free_port()
        base_token = baseline_token(base_dir)
        granian = [
            str(venv / "granian"), "--interface", "asgi", "--factory", "--workers", "1",
            "--host", "127.0.0.1", "--port", str(base_port), "--no-log", "bench._baseline_app:app_from_env",
        ]  # fmt: skip
        up = [str(venv / "cinemesh"), "up", "--no-demo", "--port", str(port), "--data-dir", str(data_dir)]
        # The gateway's rate limits stay on (their cost is in the figures) with quotas no run reaches.
        env = {"CINEMESH_ADMIN_PASSWORD": ADMIN_PASSWORD, **UNREACHED_QUOTAS}
        with (
            server(granian, {"BENCH_BASELINE_DIR": str(base_dir)}, base_port) as base,
            server(up, env, port) as platform,
        ):
            token = cinemesh_token(port)
            idle = {"cinemesh": idle_share(platform.pid), "baseline": idle_share(base.pid)}
            print(f"idle CPU, share of a core: {idle}", flush=True)
            scenarios = [
                ("`GET /api/v1/titles`, anonymous", "/api/v1/titles", None),
                ("`GET /api/v1/titles`, token", "/api/v1/titles", token),
                ("`GET /api/v1/me`", "/api/v1/me", token),
            ]
            totals: dict[tuple[str, int], list[tuple[float, float, str, float, float, str]]] = {}
            for _ in range(rounds):
                for label, path, own_token in scenarios:
                    for connections in CONCURRENCIES:
                        theirs = measure(
                            base.pid, f"http://127.0.0.1:{base_port}/api/v1/titles", connections,
                            duration, base_token if own_token else None,
                        )  # fmt: skip
                        ours = measure(
                            platform.pid, f"http://127.0.0.1:{port}{path}", connections, duration, own_token
                        )
                        totals.setdefault((label, connections), []).append((*ours, *theirs))
                        print(
                            f"{label:34} c={connections:<3} cinemesh {ours[0]:6.0f}/s {ours[1]:5.2f} ms CPU "
                            f"(load {ours[2]})  baseline {theirs[0]:6.0f}/s {theirs[1]:5.2f} ms CPU "
                            f"(load {theirs[2]})  ratio {ours[0] / theirs[0]:.2f}x rate, "
                            f"{theirs[1] / ours[1]:.2f}x CPU",
                            flush=True,
                        )
    # Per row the best round of each (the least disturbed by other load on the machine).
    rows: list[Row] = []
    for (label, connections), samples in totals.items():
        ours_best = max(samples, key=lambda s: s[0])
        theirs_best = max(samples, key=lambda s: s[3])
        cpu_ours = min(s[1] for s in samples)
        cpu_theirs = min(s[4] for s in samples)
        rows.append(
            (
                label,
                connections,
                ours_best[0],
                cpu_ours,
                ours_best[2],
                theirs_best[3],
                cpu_theirs,
                theirs_best[5],
            )
        )
    return rows, idle


def report(rows: list[Row], idle: dict[str, float], duration: str, rounds: int) -> str:
    lines = [
        f"Empty catalog; wrk on loopback, {duration} per run, {rounds} rounds alternating the two servers, "
        "best round of each shown. CPU: the server process's utime + stime per request (from /proc), "
        "robust to other load on this shared machine; req/s is wall clock and is not. "
        "Baseline: `bench/_baseline_app.py` (FastAPI + granian + SQLAlchemy async/aiosqlite, one "
        "`SELECT ... LIMIT 24`, EdDSA JWT check when a token is sent); `/me` is held against its "
        "token request. cinemesh runs with its gateway rate limits on, at quotas no run reaches.",
        "",
        f"Idle, before the runs, cinemesh used {idle['cinemesh']:.1%} of a core and the baseline "
        f"{idle['baseline']:.1%}; that background work (event-log and lease polling) is inside the "
        "CPU figures.",
        "",
        "| request | conns | cinemesh req/s | cinemesh CPU ms/req | load | baseline req/s "
        "| baseline CPU ms/req | load | ratio req/s | ratio CPU |",
        "|---|---:|---:|---:|---|---:|---:|---|---:|---:|",
    ]
    for label, conns, rate, cpu, load, base_rate, base_cpu, base_load in rows:
        lines.append(
            f"| {label} | {conns} | {rate:,.0f} | {cpu:.2f} | {load} | {base_rate:,.0f} | {base_cpu:.2f} "
            f"| {base_load} | {rate / base_rate:.2f}x | {base_cpu / cpu:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", default="5s")
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    started = time.perf_counter()
    rows, idle = run(arguments.duration, arguments.rounds)
    write_section("request_path", report(rows, idle, arguments.duration, arguments.rounds))
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
