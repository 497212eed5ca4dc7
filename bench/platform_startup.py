"""`cinemesh up`: cold start to ready, and resident memory, against a minimal app on the same server.

Baseline: a one-route Starlette app served by the same granian setup (one worker, factory),
so the ratio isolates what cinemesh adds (imports, eight services' migrations, key loading,
first-admin creation) from what any Python ASGI server costs to start.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
from tests.fixtures._net import free_port

from bench._proc import tree_rss_kib
from bench._report import write_section

RUNS = 3
CINEMESH = str(Path(sys.executable).with_name("cinemesh"))

BASELINE_APP = textwrap.dedent(
    """
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def ready(request):
        return JSONResponse({"status": "ready"})

    def create():
        return Starlette(routes=[Route("/readyz", ready)])
    """
)


def _time_to_ready(command: list[str], env: dict[str, str], port: int) -> tuple[float, int]:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.02)
        elapsed = time.perf_counter() - started
        time.sleep(0.5)  # let start-up allocations settle before reading memory
        return elapsed, tree_rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    env_base = {k: v for k, v in os.environ.items() if not k.startswith("CINEMESH_")}
    results: dict[str, list[tuple[float, int]]] = {"baseline": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory() as scratch:
        app_dir = Path(scratch) / "baseline"
        app_dir.mkdir()
        (app_dir / "baseline_app.py").write_text(BASELINE_APP)
        for run in range(RUNS):
            port = free_port()
            granian = [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--factory",
                "--port",
                str(port),
            ]
            baseline_env = {**env_base, "PYTHONPATH": str(app_dir)}
            results["baseline"].append(_time_to_ready([*granian, "baseline_app:create"], baseline_env, port))
            data_dir = Path(scratch) / f"data-{run}"
            for kind in ("cold", "warm"):  # cold: empty data dir; warm: the same dir again
                port = free_port()
                env = {
                    **env_base,
                    "CINEMESH_PORT": str(port),
                    "CINEMESH_DATA_DIR": str(data_dir),
                    "CINEMESH_LOG_LEVEL": "WARNING",
                    "CINEMESH_DEMO": "false",  # the demo seeder transcodes in the background
                    "CINEMESH_ADMIN_EMAIL": "admin@example.com",
                    "CINEMESH_ADMIN_PASSWORD": "bench-admin-password",
                }
                results[kind].append(_time_to_ready([CINEMESH, "up"], env, port))

    def median(kind: str, index: int) -> float:
        return statistics.median(sample[index] for sample in results[kind])

    base_s, base_mib = median("baseline", 0), median("baseline", 1) / 1024
    rows = [
        "| start | to ready (median of 3) | ratio to baseline | resident memory | ratio |",
        "|---|---|---|---|---|",
        f"| baseline: one-route Starlette on granian | {base_s:.2f} s | 1.00x | {base_mib:.0f} MiB | 1.00x |",
    ]
    for kind, label in (("cold", "`cinemesh up`, empty data dir"), ("warm", "`cinemesh up`, existing data")):
        seconds, mib = median(kind, 0), median(kind, 1) / 1024
        rows.append(
            f"| {label} | {seconds:.2f} s | {seconds / base_s:.2f}x | {mib:.0f} MiB | {mib / base_mib:.2f}x |"
        )
    table = "\n".join(rows)
    print(table)
    write_section(
        "platform_startup",
        "## `cinemesh up`: cold start and memory\n\n"
        "Launch to the first 200 from `/readyz` (all eight services migrated, keys loaded, first admin "
        "created on the cold start), and resident memory of the process tree (granian's supervisor "
        "plus its worker). Goal: cold start <= 5 s.\n\n" + table,
    )


if __name__ == "__main__":
    main()
